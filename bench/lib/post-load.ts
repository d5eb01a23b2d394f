import { fork } from 'node:child_process';
import { join } from 'node:path';

export interface LoadResult {
  /** 2xx answers per second over the measured run. */
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  /**
   * This process's CPU time (user + system, µs) over the measured run ÷ its requests: the
   * server's cost per request when the server runs in this process (the load generator does
   * not). Other processes on the cores move it much less than they move throughput.
   */
  cpuUsPerRequest: number;
}

export interface LoadOptions {
  /** Unmeasured run first, same load (JIT, connection pools and caches warm up); none unless told. */
  warmUpSeconds?: number;
  seconds: number;
  connections: number;
  /** `Authorization` of an agent of each cell (BenchTokens.agents): each registration carries its cell's. */
  agents: Record<string, string>;
}

/**
 * `connections` clients posting registrations to `${url}/beneficiaries` (every request a new
 * registration: fresh Idempotency-Key and body, the bearer token of an agent of its cell), from a child process: the load generator's CPU
 * and memory are not the server's, as they would not be with autocannon run from a shell. Any
 * non-2xx answer or error fails the run: a figure over failures means nothing.
 */
export const postRegistrations = (url: string, options: LoadOptions): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'post-load.child.ts'), [url, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: { measuring?: true; result?: Omit<LoadResult, 'cpuUsPerRequest'>; error?: string } = {};
    let cpu: { since: NodeJS.CpuUsage; used?: NodeJS.CpuUsage } | undefined;
    child.on('message', (message: typeof answer) => {
      if (message.measuring) cpu = { since: process.cpuUsage() };
      else if (cpu) cpu.used = process.cpuUsage(cpu.since);
      answer = message;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const { result } = answer;
      if (result && cpu?.used) resolve({ ...result, cpuUsPerRequest: (cpu.used.user + cpu.used.system) / Math.max(1, result.requests) });
      else reject(new Error(answer.error ?? `the load generator exited (${code ?? signal}) without a result`));
    });
  });
