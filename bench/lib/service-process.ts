import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { waitForHealthy } from './embedded-network';

const REPO_ROOT = join(__dirname, '..', '..');

/** A service run as its own process, as `npm run start:<service>` runs it. */
export interface ServiceProcess {
  name: string;
  url: string;
  log: string;
  child: ChildProcess;
}


/** Resolves when something accepts TCP connections on host:port within `timeoutMs`, else false. */
export const reachable = (host: string, port: number, timeoutMs = 2000): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

/**
 * Spawns `node [nodeOptions] -r ./tools/register.js services/<name>/src/main.ts` with `env` on top
 * of this process's environment; its output goes to `log`.
 */
export const spawnService = (name: string, port: number, env: Record<string, string>, log: string, nodeOptions: readonly string[] = []): ServiceProcess => {
  const output = createWriteStream(log);
  const child = spawn(process.execPath, [...nodeOptions, '-r', './tools/register.js', `services/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    // The bench is one client at thousands of requests a second: no rate limit unless `env` sets one.
    env: { ...process.env, RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  // Last resort when this process ends without stopping it (an uncaught error): no orphan keeps the port.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  return { name, url: `http://127.0.0.1:${port}`, log, child };
};

const tail = (file: string, lines = 30): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

/** Waits for every service's /health; a service that exits first fails the wait with its log's tail. */
export const waitForServices = async (services: readonly ServiceProcess[], timeoutMs = 90_000): Promise<void> => {
  const exited = services.map(
    (service) =>
      new Promise<never>((_, reject) =>
        service.child.once('exit', (code, signal) =>
          reject(new Error(`${service.name} exited (${code ?? signal}) before it was healthy; its log (${service.log}) ends with:\n${tail(service.log)}`)),
        ),
      ),
  );
  try {
    await Promise.race([waitForHealthy(services.map((s) => s.url), timeoutMs), ...exited]);
  } catch (error) {
    if (error instanceof Error && !/exited/.test(error.message)) {
      error.message += `\n${services.map((s) => `--- ${s.name} (${s.log}):\n${tail(s.log)}`).join('\n')}`;
    }
    throw error;
  } finally {
    for (const promise of exited) promise.catch(() => undefined);
  }
};

/** SIGTERM (the services drain and exit), then SIGKILL after `graceMs`. */
export const stopServices = async (services: readonly ServiceProcess[], graceMs = 10_000): Promise<void> => {
  await Promise.all(
    services.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(killer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
};
