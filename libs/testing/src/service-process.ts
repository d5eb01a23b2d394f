import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** The repository's root: services run from their TypeScript sources through tools/register.js. */
const root = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Runs `services/<name>/src/main.ts` as its own process, as the distributed mode does. */
export const startServiceProcess = async (
  name: string,
  port: number,
  env: Record<string, string>,
  logFile: string,
): Promise<ServiceProcess> => {
  const portVariable = `${name.toUpperCase().replace(/-/g, '_')}_PORT`;
  const child = spawn(process.execPath, ['-r', join(root, 'tools', 'register.js'), join(root, 'services', name, 'src', 'main.ts')], {
    cwd: root,
    // Specs poll health and reports far faster than a person would: not rate limited unless they
    // say so. Tracing is off unless the spec switches it on (OTEL_TRACES_EXPORTER in `env`).
    env: { ...process.env, RATE_LIMIT_PER_MINUTE: '0', OTEL_TRACES_EXPORTER: 'none', ...env, [portVariable]: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} while starting; see ${logFile}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) return { child, url, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become healthy within 60 s; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

export const stopGracefully = async (service: ServiceProcess, timeoutMs = 10_000): Promise<number | null> => {
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), timeoutMs);
  const code = await service.exited;
  clearTimeout(timer);
  return code;
};
