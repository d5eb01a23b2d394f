/**
 * node -r ./tools/register.js bench/registration.bench.ts [--only bare,intake,network]
 *
 * What one registration costs on intake's request path, as a ratio to a bare NestJS POST
 * endpoint measured in the same process and run (figure 2 of bench:scale, goal ≥ 0.3):
 *   a. bare: bench/lib/bare-nest-app, a plain @Controller whose POST parses JSON and answers 201;
 *   b. intake alone: startService(intakeService) on a fresh DATA_DIR, memory bus, embedded read store;
 *   c. the whole embedded network (`npm start`), POST /beneficiaries on its intake.
 * Each target gets a warm-up, then BENCH_SECONDS (default 10) of BENCH_CONNECTIONS (default 10)
 * autocannon connections, every request with a fresh Idempotency-Key (a new registration).
 *
 * The load comes from a worker thread, so the servers keep the main thread to themselves, as
 * they would with autocannon in another process; a CPU profile of this process
 * (`node --cpu-prof …`) therefore shows the servers' main thread in its own file.
 *
 * Logging is what a user gets: LOG_LEVEL from the environment (default info). Run it once as is
 * and once with LOG_LEVEL=error to see what logging costs.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { intakeService } from '@oriental/intake';
import { startNetwork } from '@oriental/network';
import { loadConfig, openInfrastructure, startService } from '@oriental/service-kit';
import { startBareNestApp } from './lib/bare-nest-app';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = ['bare', 'intake', 'network'] as const;
type Target = (typeof TARGETS)[number];

const only = (): Target[] => {
  const index = process.argv.indexOf('--only');
  if (index < 0) return [...TARGETS];
  const chosen = (process.argv[index + 1] ?? '').split(',');
  const unknown = chosen.filter((name) => !TARGETS.includes(name as Target));
  if (unknown.length > 0) throw new Error(`--only takes ${TARGETS.join(',')}; got ${unknown.join(',')}`);
  return chosen as Target[];
};

/** A fresh data directory per target, so every run starts on an empty store. */
const withDataDir = async <T>(run: (dataDir: string) => Promise<T>): Promise<T> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-registration-'));
  try {
    return await run(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const start = async (target: Target, dataDir: string): Promise<{ url: string; stop(): Promise<void> }> => {
  // What a user gets: the environment's settings, on an empty data directory.
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir });
  switch (target) {
    case 'bare': {
      const bare = await startBareNestApp();
      return { url: bare.url, stop: () => bare.close() };
    }
    case 'intake': {
      const service = await startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), port: 0 });
      return service;
    }
    case 'network': {
      const network = await startNetwork(config, { ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
      return { url: network.urls.intake!, stop: () => network.stop() };
    }
  }
};

/**
 * 10 connections posting registrations for `seconds`. `[<id>]` is replaced by autocannon with a
 * unique id per request, so every request is a new Idempotency-Key: a new beneficiary. (A
 * setupRequest function cannot cross into the worker thread; the id replacement can.)
 */
const load = async (url: string, seconds: number): Promise<autocannon.Result> => {
  const result = await autocannon({
    url: `${url}/beneficiaries`,
    connections: CONNECTIONS,
    duration: seconds,
    workers: 1,
    idReplacement: true,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'bench-[<id>]' },
    body: JSON.stringify(aRegistrationBody()),
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed (${JSON.stringify(result.statusCodeStats)})`);
  return result;
};

const measure = (target: Target) =>
  withDataDir(async (dataDir) => {
    const running = await start(target, dataDir);
    try {
      if (WARMUP_SECONDS > 0) await load(running.url, WARMUP_SECONDS);
      const result = await load(running.url, SECONDS);
      return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
    } finally {
      await running.stop();
    }
  });

const main = async () => {
  const targets = only();
  const level = process.env.LOG_LEVEL || 'info (default)';
  process.stderr.write(`registration bench: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per target, LOG_LEVEL ${level}\n`);
  const results: Partial<Record<Target, { rps: number; p50: number; p99: number; total: number }>> = {};
  for (const target of targets) {
    results[target] = await measure(target);
    const r = results[target]!;
    process.stderr.write(`  ${target.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   (${r.total} requests)\n`);
  }
  const bare = results.bare?.rps;
  if (bare) {
    if (results.intake) process.stderr.write(`  intake alone / bare NestJS  ${(results.intake.rps / bare).toFixed(2)}  (goal ≥ 0.3)\n`);
    if (results.network) process.stderr.write(`  network intake / bare NestJS  ${(results.network.rps / bare).toFixed(2)}\n`);
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
