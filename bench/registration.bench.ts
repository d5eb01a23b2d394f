/**
 * node -r ./tools/register.js bench/registration.bench.ts [--only bare,intake,network]
 *
 * What one registration costs on intake's request path, as a ratio to a bare NestJS POST
 * endpoint measured in the same process and run (figure 2 of bench:scale, goal ≥ 0.3):
 *   a. bare: bench/lib/bare-nest-app, a plain @Controller whose POST parses JSON and answers 201;
 *   b. intake alone: startService(intakeService) on a fresh DATA_DIR, memory bus, embedded read store;
 *   c. the whole embedded network (`npm start`), POST /beneficiaries on its intake.
 * Each target gets a warm-up, then BENCH_SECONDS (default 10) of BENCH_CONNECTIONS (default 10)
 * clients, every request a new registration (fresh Idempotency-Key and body), driven by the same
 * load generator as bench:scale (bench/lib/post-load: autocannon outside the servers' thread).
 *
 * Besides throughput it prints the server process's CPU time per request (the load generator
 * runs elsewhere): on a machine whose cores other processes share, throughput swings from run
 * to run while CPU per request barely moves, so its ratio is the steadier comparison.
 *
 * `--data-dir <dir>` runs every target on that directory as it is (e.g. a store seeded by
 * bench:scale) instead of a fresh one, to profile the cost of a registration with N stored.
 *
 * `--profile <dir>` writes `<dir>/<target>.cpuprofile`: the main thread's CPU profile over the
 * measured seconds only (not boot, not warm-up), to open in Chrome DevTools or summarise.
 *
 * Logging is what a user gets: LOG_LEVEL from the environment (default info). Run it once as is
 * and once with LOG_LEVEL=error to see what logging costs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intakeService } from '@oriental/intake';
import { startNetwork } from '@oriental/network';
import { loadConfig, openInfrastructure, startService } from '@oriental/service-kit';
import { startBareNestApp } from './lib/bare-nest-app';
import { benchTokens } from './lib/bench-tokens';
import { LoadResult, postRegistrations } from './lib/post-load';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = ['bare', 'intake', 'network'] as const;
type Target = (typeof TARGETS)[number];

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : (process.argv[index + 1] ?? '');
};

const only = (): Target[] => {
  const value = option('--only');
  if (value === undefined) return [...TARGETS];
  const chosen = value.split(',');
  const unknown = chosen.filter((name) => !TARGETS.includes(name as Target));
  if (unknown.length > 0) throw new Error(`--only takes ${TARGETS.join(',')}; got ${unknown.join(',')}`);
  return chosen as Target[];
};

/** A fresh data directory per target, so every run starts on an empty store (unless --data-dir). */
const withDataDir = async <T>(run: (dataDir: string) => Promise<T>): Promise<T> => {
  const given = option('--data-dir');
  if (given) return run(given);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-registration-'));
  try {
    return await run(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const start = async (target: Target, dataDir: string): Promise<{ url: string; agents: Record<string, string>; stop(): Promise<void> }> => {
  // What a user gets: the environment's settings, on an empty data directory; the rate limit off
  // unless the environment sets RATE_LIMIT_PER_MINUTE (to measure the guard's cost).
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '0', ...process.env, DATA_DIR: dataDir });
  // Every registration carries a bearer token of an agent of its cell, as a user's would (the bare
  // endpoint ignores it, but receives the same requests), verified by intake on every request.
  const { agents } = await benchTokens(config);
  switch (target) {
    case 'bare': {
      const bare = await startBareNestApp();
      return { url: bare.url, agents, stop: () => bare.close() };
    }
    case 'intake': {
      const service = await startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), port: 0 });
      return { url: service.url, agents, stop: () => service.stop() };
    }
    case 'network': {
      const network = await startNetwork(config, { ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
      return { url: network.urls.intake!, agents, stop: () => network.stop() };
    }
  }
};

/** Runs `work` under the V8 profiler of this thread when `--profile <dir>` is given. */
const profiled = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  const dir = option('--profile');
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
};

const measure = (target: Target) =>
  withDataDir(async (dataDir) => {
    const running = await start(target, dataDir);
    try {
      if (WARMUP_SECONDS > 0) await postRegistrations(running.url, { seconds: WARMUP_SECONDS, connections: CONNECTIONS, agents: running.agents });
      const before = process.cpuUsage();
      const result = await profiled(target, () => postRegistrations(running.url, { seconds: SECONDS, connections: CONNECTIONS, agents: running.agents }));
      const { user, system } = process.cpuUsage(before);
      return { ...result, cpuPerRequest: (user + system) / result.requests, systemCpuPerRequest: system / result.requests };
    } finally {
      await running.stop();
    }
  });

const main = async () => {
  const targets = only();
  const level = process.env.LOG_LEVEL || 'info (default)';
  process.stderr.write(`registration bench: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per target, LOG_LEVEL ${level}\n`);
  const results: Partial<Record<Target, LoadResult & { cpuPerRequest: number; systemCpuPerRequest: number }>> = {};
  for (const target of targets) {
    results[target] = await measure(target);
    const r = results[target]!;
    process.stderr.write(
      `  ${target.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   ` +
        `server CPU ${r.cpuPerRequest.toFixed(0)} µs/request (system ${r.systemCpuPerRequest.toFixed(0)})   (${r.requests} requests)\n`,
    );
  }
  const bare = results.bare;
  // Throughput is the figure; CPU per request barely moves when other processes share the cores.
  for (const [name, r] of [['intake alone', results.intake], ['network intake', results.network]] as const) {
    if (bare && r) {
      process.stderr.write(
        `  ${name} / bare NestJS: throughput ${(r.rps / bare.rps).toFixed(2)} (figure 2 goal ≥ 0.3), CPU per request ${(bare.cpuPerRequest / r.cpuPerRequest).toFixed(2)}\n`,
      );
    }
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
