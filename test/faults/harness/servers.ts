import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@oriental/testing';

/**
 * The suite's own servers: a Kafka broker and a MongoDB-compatible server on ports of their own,
 * with their state under an INFRA_HOME of their own, so that killing and restarting them never
 * touches the shared ones (9092, 27017) other specs use.
 *
 * - Kafka runs through infra/local/kafka-start.sh with INFRA_HOME=<faults home> and
 *   KAFKA_PORT=<free port>; the jars of the default INFRA_HOME are linked in (no second install),
 *   or installed there by kafka-install.sh when the default has none.
 * - MongoDB: mongo-java-server with its H2 backend (harness/mongo), so a restart keeps the data
 *   as a real MongoDB's would; infra/local's server is in memory and would come back empty.
 */
const root = join(__dirname, '..', '..', '..');
const infraLocal = join(root, 'infra', 'local');
const run = promisify(execFile);
const HOST = '127.0.0.1';

/** Where the default scripts keep their jars (the shared servers' INFRA_HOME). */
const defaultInfraHome = () => process.env.INFRA_HOME || join(homedir(), '.cache', 'oriental-infra');
/** The suite's own INFRA_HOME: FAULTS_INFRA_HOME, or `faults/` under the default one. */
export const faultsInfraHome = () => process.env.FAULTS_INFRA_HOME || join(defaultInfraHome(), 'faults');

/**
 * A reaper: a detached process that watches this one and, should it die without stopping what it
 * started (a crash, Ctrl-C, a CI timeout's SIGKILL), SIGKILLs every process listed in its file
 * (`<pid> <command-line marker>` lines; the marker guards against a recycled pid). A hook on
 * this process's own `exit` would not do: jest's runtime does not run it on a signal, and
 * nothing runs on SIGKILL.
 */
const REAPER = `
const fs = require('node:fs');
const [watched, file] = [Number(process.argv[1]), process.argv[2]];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const reap = () => {
  let lines = [];
  try { lines = fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean); } catch {}
  for (const line of lines) {
    const [pid, marker] = [Number(line.split(' ')[0]), line.slice(line.indexOf(' ') + 1)];
    try { if (fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes(marker)) process.kill(pid, 'SIGKILL'); } catch {}
  }
  try { fs.rmSync(file, { force: true }); } catch {}
  process.exit(0);
};
process.on('SIGTERM', () => process.exit(0));
setInterval(() => { if (!alive(watched)) reap(); }, 1000);
`;
let reaperFile: string | undefined;
let reaper: ChildProcess | undefined;

/** Lists a process for the reaper (started at the first call). */
export const reapOnExit = (pid: number | undefined, marker: string): void => {
  if (!pid) return;
  if (!reaperFile) {
    reaperFile = join(faultsInfraHome(), `reaper-${process.pid}.pids`);
    mkdirSync(faultsInfraHome(), { recursive: true });
    writeFileSync(reaperFile, '');
    reaper = spawn(process.execPath, ['-e', REAPER, String(process.pid), reaperFile], { detached: true, stdio: 'ignore' });
    reaper.unref();
  }
  appendFileSync(reaperFile, `${pid} ${marker}\n`);
};

/** Everything was stopped: the reaper has nothing left to do. */
export const stopReaper = (): void => {
  reaper?.kill('SIGTERM');
  if (reaperFile) rmSync(reaperFile, { force: true });
  reaper = undefined;
  reaperFile = undefined;
};

const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const waitUntilGone = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
    socket.once('timeout', () => (socket.destroy(), resolve(true)));
  });

/** A port whose next two are free too (Kafka's controller and SASL_SSL listeners). */
const freePortRun = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65000 && (await portFree(port + 1)) && (await portFree(port + 2))) return port;
  }
  throw new Error('no three consecutive free ports found');
};

/** Links a directory of installed jars from the default INFRA_HOME into ours, when there is one. */
const linkInstalled = (from: string, to: string) => {
  if (existsSync(to) || !existsSync(from)) return;
  try {
    lstatSync(to);
    rmSync(to, { force: true }); // a dangling link
  } catch {
    // nothing there
  }
  symlinkSync(from, to, 'dir');
};

export class KafkaBroker {
  private constructor(
    readonly port: number,
    readonly home: string,
  ) {}

  get brokers(): string {
    return `${HOST}:${this.port}`;
  }

  private get env() {
    return { ...process.env, INFRA_HOME: this.home, KAFKA_PORT: String(this.port), KAFKA_START_TIMEOUT: '180' };
  }

  private get pidFile() {
    return join(this.home, 'kafka', 'kafka.pid');
  }

  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** A fresh broker (its data purged first) on a free port, installed from the default INFRA_HOME's jars. */
  static async create(): Promise<KafkaBroker> {
    const home = faultsInfraHome();
    mkdirSync(join(home, 'kafka'), { recursive: true });
    linkInstalled(join(defaultInfraHome(), 'kafka', 'libs'), join(home, 'kafka', 'libs'));
    const broker = new KafkaBroker(Number(process.env.FAULTS_KAFKA_PORT) || (await freePortRun()), home);
    // A broker left by an earlier run that died before stopping it, then its data.
    await run('bash', [join(infraLocal, 'kafka-stop.sh'), '--purge'], { env: broker.env });
    await broker.start();
    return broker;
  }

  /** Starts the broker (kafka-start.sh: returns once it answers an Admin request); resolves with the milliseconds it took. */
  async start(): Promise<number> {
    const begun = Date.now();
    try {
      await run('bash', [join(infraLocal, 'kafka-start.sh')], { env: this.env, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      throw new Error(`kafka-start.sh failed: ${(error as { stderr?: string }).stderr ?? error}`);
    }
    reapOnExit(this.pid(), join(this.home, 'kafka', 'config', 'server.properties'));
    return Date.now() - begun;
  }

  /** SIGKILL: no shutdown, the log is recovered at the next start. */
  async kill9(): Promise<void> {
    const pid = this.pid();
    if (!pid) throw new Error('the broker is not running');
    process.kill(pid, 'SIGKILL');
    await waitUntilGone(pid, 10_000);
  }

  /** A clean stop (SIGTERM, kafka-stop.sh), data kept. */
  async stop(): Promise<void> {
    await run('bash', [join(infraLocal, 'kafka-stop.sh')], { env: this.env });
  }

  /** Its log (kafka-start.sh's), for a failed run to keep. */
  get logFile(): string {
    return join(this.home, 'kafka', 'kafka.log');
  }

  /** Stops it and deletes its data and config (the installed jars stay). */
  async destroy(): Promise<void> {
    await run('bash', [join(infraLocal, 'kafka-stop.sh'), '--purge'], { env: this.env }).catch(() => undefined);
  }
}

/** mongo-java-server with the H2 backend: data in one file, kept across restarts. */
export class PersistentMongo {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get uri(): string {
    return `mongodb://${HOST}:${this.port}`;
  }

  private get dist() {
    return join(this.dir, 'dist');
  }

  private get dataFile() {
    return join(this.dir, 'data', 'faults.mv');
  }

  static async create(): Promise<PersistentMongo> {
    const dir = join(faultsInfraHome(), 'mongo-h2');
    const mongo = new PersistentMongo(Number(process.env.FAULTS_MONGO_PORT) || (await freePort()), dir);
    await mongo.install();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    mkdirSync(join(dir, 'data'), { recursive: true });
    await mongo.start();
    return mongo;
  }

  /** mvn copy-dependencies of harness/mongo/pom.xml and javac of its launcher, once per change of either. */
  private async install(): Promise<void> {
    const source = join(__dirname, 'mongo');
    const pom = join(source, 'pom.xml');
    const main = join(source, 'PersistentMongoServerMain.java');
    const stamp = createHash('sha256').update(readFileSync(pom)).update(readFileSync(main)).digest('hex').slice(0, 16);
    const marker = join(this.dist, '.installed');
    if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === stamp) return;
    rmSync(this.dist, { recursive: true, force: true });
    mkdirSync(this.dist, { recursive: true });
    await run('mvn', ['-q', '-B', '-f', pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(this.dist, 'libs')}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await run('javac', ['-nowarn', '-encoding', 'UTF-8', '-d', join(this.dist, 'classes'), '-cp', `${join(this.dist, 'libs')}/*`, main]);
    writeFileSync(marker, stamp);
  }

  /** Starts the server and waits for a wire-protocol handshake; resolves with the milliseconds it took. */
  async start(): Promise<number> {
    const begun = Date.now();
    const child = spawn(
      'java',
      [
        '-Xms64m',
        '-Xmx768m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire=warn',
        '-cp',
        `${join(this.dist, 'libs')}/*:${join(this.dist, 'classes')}`,
        'PersistentMongoServerMain',
        '--host',
        HOST,
        '--port',
        String(this.port),
        '--file',
        this.dataFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    this.child = child;
    reapOnExit(child.pid, 'PersistentMongoServerMain');
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the MongoDB-compatible server exited with ${child.exitCode}: ${stderr}`);
      try {
        await run('python3', [join(infraLocal, 'mongo-probe.py'), HOST, String(this.port), '--timeout', '2']);
        return Date.now() - begun;
      } catch {
        if (Date.now() > deadline) throw new Error(`no MongoDB handshake on ${this.port} within 60 s: ${stderr}`);
        await sleep(200);
      }
    }
  }

  /** SIGTERM (the store is closed, everything acknowledged is on disk), up to 15 s, then SIGKILL. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || !child.pid) return;
    child.kill('SIGTERM');
    if (!(await waitUntilGone(child.pid, 15_000))) child.kill('SIGKILL');
    await waitUntilGone(child.pid, 5_000);
  }

  /** Stops it and deletes its data file. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(join(this.dir, 'data'), { recursive: true, force: true });
  }
}
