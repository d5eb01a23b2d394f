import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, loadConfig } from '@oriental/service-kit';
import { freePort } from '@oriental/testing';

const root = join(__dirname, '..', '..', '..');

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir: string, prefix = ''): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );

/**
 * Issue 9, deliverable 7 (ADR 0016): `nx build <service>` (tools/build.js) compiles a service to
 * JavaScript that plain `node` runs. Built outside the repository, beside a node_modules and
 * nothing else, intake starts from its compiled entry point with no TypeScript runtime loaded,
 * answers /health, registers a beneficiary, and stops on SIGTERM with exit code 0.
 */
describe('the production build', () => {
  let work: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'production-build-'));
    // What the image's last stage holds: node_modules and the compiled services.
    symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  });

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('compiles intake to JavaScript that node runs on its own: /health, a registration, a graceful stop', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'tools', 'build.js'), 'intake', '--out-dir', join(work, 'dist')], { cwd: root });
    expect(stdout).toMatch(/^built intake: \d+ files/);
    const out = join(work, 'dist', 'intake');
    const files = filesUnder(out);
    expect(files).toContain('main.js');
    expect(files).toContain('libs/reference-data/data/cells.json');
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
    // The aliases are resolved at build time: no compiled file asks for an @oriental/* module.
    const aliased = files.filter((file) => file.endsWith('.js') && /require\("@oriental\//.test(readFileSync(join(out, file), 'utf8')));
    expect(aliased).toEqual([]);
    // tracing.ts stays the first thing main.ts loads (OpenTelemetry patches what is loaded after it).
    expect(readFileSync(join(out, 'services/intake/src/main.js'), 'utf8')).toMatch(/^[^]*?require\("\.\/tracing"\);\s*const /);

    const dataDir = join(work, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const port = await freePort();
    const log = createWriteStream(join(work, 'intake.log'));
    const started = spawn(process.execPath, [join(out, 'main.js')], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        MASTER_KEY_FILE: join(work, 'master.key'),
        INTAKE_PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_MINUTE: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout!.pipe(log);
    started.stderr!.pipe(log);
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;

    for (let health: Response | undefined; health?.status !== 200; ) {
      if (started.exitCode !== null) throw new Error(`the compiled intake exited with ${started.exitCode}: ${readFileSync(join(work, 'intake.log'), 'utf8')}`);
      health = await fetch(`${url}/health`).catch(() => undefined);
      if (health?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const token = await issueToken(loadConfig({ DATA_DIR: dataDir }), { role: 'cell_agent', cellId: 'oujda' });
    const registered = await fetch(`${url}/beneficiaries`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': `production-build-${process.pid}` },
      body: JSON.stringify(aRegistrationBody()),
    });
    expect(registered.status).toBe(201);
    expect(await registered.json()).toMatchObject({ beneficiaryId: expect.any(String) });

    started.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
