/**
 * npm run bench:e2e [-- --distributed] [-- --rate R --seconds S] — registration → report lag:
 * the time from the POST /beneficiaries answer to the moment GET /reports/network counts it.
 *
 * - Default (embedded, as `npm start` composes it): 300 sequential registrations (BENCH_REGISTRATIONS),
 *   each followed by polling until it is counted; the POST's own latency is the baseline, and
 *   the lag is printed as a ratio to it so noisy machines can still compare runs.
 * - `--distributed` (issue 5, deliverable 5): intake and reporting as separate processes, as
 *   `npm run start:intake` / `start:reporting` run them, over real Kafka and the MongoDB-compatible
 *   server (EVENT_STORE=sqlite in a shared temp DATA_DIR, BUS=kafka with a topic prefix of this run's
 *   own, READ_STORE=mongodb with a database of this run's own). After a warm-up, registrations are
 *   posted at a steady `--rate` per second (200) for `--seconds` (30) on an open-loop schedule,
 *   the report is polled every 20 ms, and the lag p50/p99 is printed (goal p99 ≤ 200 ms), with
 *   the achieved rate and the POST latency p50/p99.
 * - `--rate` without `--distributed` runs that same steady-rate measurement on the embedded network.
 * - `--profile DIR` (distributed): each service writes a CPU profile (`node --cpu-prof`) to DIR when it stops.
 * - `--keep` keeps the temporary data directory (with the services' logs).
 *
 * Kafka and MongoDB addresses come from KAFKA_BROKERS / MONGODB_URI (default 127.0.0.1:9092 and
 * mongodb://127.0.0.1:27017); start them with `npm run infra:up` (see infra/local/README.md).
 */
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { aRegistrationBody } from '@oriental/intake/testing';
import { loadConfig } from '@oriental/service-kit';
import { agentOf, benchTokens } from './lib/bench-tokens';
import { BenchNetwork, reportTotal, startBenchNetwork } from './lib/embedded-network';
import { LagResult, measureLag, warmUp } from './lib/registration-lag';
import { freePort } from '@oriental/testing';
import { reachable, ServiceProcess, spawnService, stopServices, waitForServices } from './lib/service-process';
import { percentile } from './lib/stats';
import { runBench } from './lib/run-bench';

const { values: args } = parseArgs({
  options: {
    distributed: { type: 'boolean', default: false },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});

const LAG_GOAL_P99_MS = 200;
const WARM_UP_REGISTRATIONS = 20;
const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 300);
const KAFKA_BROKERS = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
const MONGODB_URI = process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017';

const positive = (name: string, value: string): number => {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
  return number;
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** What runs now, so that an error or Ctrl-C stops it all. */
const cleanups: (() => Promise<void>)[] = [];
const cleanUp = async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
};

const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
};

const startEmbedded = async (): Promise<BenchNetwork> => {
  const network = await startBenchNetwork(tempDir('bench-e2e-'));
  cleanups.push(() => network.stop());
  return network;
};

const printLag = (what: string, rate: number, seconds: number, result: LagResult) => {
  out(
    `e2e bench (${what}): ${result.requested} registrations at ${rate}/s for ${seconds} s, report polled every 20 ms\n` +
      `  registration → report lag  p50 ${ms(result.lagP50)}   p99 ${ms(result.lagP99)}   max ${ms(result.lagMax)}   ` +
      `(goal p99 ≤ ${LAG_GOAL_P99_MS} ms: ${result.lagP99 <= LAG_GOAL_P99_MS ? 'met' : 'NOT met'})\n` +
      `  achieved rate              ${result.achievedRate.toFixed(1)}/s (${result.answered} answered)\n` +
      `  POST /beneficiaries        p50 ${ms(result.postP50)}   p99 ${ms(result.postP99)}   (from the scheduled send)\n` +
      `  report polls               ${result.polls}, p50 ${ms(result.pollP50)} each`,
  );
};

/** The original embedded figure: one registration at a time, each waited for. */
const sequential = async () => {
  const network = await startEmbedded();
  const lags: number[] = [];
  const posts: number[] = [];
  const { tokens } = network;
  for (let i = 0; i < REGISTRATIONS; i++) {
    const registration = aRegistrationBody();
    const sent = performance.now();
    const response = await fetch(`${network.intake}/beneficiaries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${Date.now()}-${i}`, authorization: agentOf(tokens, registration.cellId) },
      body: JSON.stringify(registration),
    });
    if (response.status !== 201) throw new Error(`POST answered ${response.status}`);
    await response.arrayBuffer();
    const answered = performance.now();
    posts.push(answered - sent);
    while ((await reportTotal(network.reporting, tokens.auditor)) < i + 1) await new Promise((resolve) => setImmediate(resolve));
    lags.push(performance.now() - answered);
  }
  const p50 = percentile(lags, 50);
  const p99 = percentile(lags, 99);
  const post50 = percentile(posts, 50);
  out(
    `e2e bench: ${REGISTRATIONS} sequential registrations on the embedded default\n` +
      `  registration → report lag  p50 ${ms(p50)}   p99 ${ms(p99)}\n` +
      `  POST /beneficiaries latency p50 ${ms(post50)} (baseline, same run)\n` +
      `  lag p50 / POST p50 ${(p50 / post50).toFixed(2)}   lag p99 / POST p50 ${(p99 / post50).toFixed(2)}`,
  );
};

/** Fails with what to run when Kafka or the MongoDB-compatible server does not answer. */
const requireInfrastructure = async () => {
  const missing: string[] = [];
  const [kafkaHost, kafkaPort] = KAFKA_BROKERS.split(',')[0]!.split(':');
  if (!(await reachable(kafkaHost!, Number(kafkaPort)))) missing.push(`Kafka at ${KAFKA_BROKERS} (bash infra/local/kafka-start.sh)`);
  const mongo = new URL(MONGODB_URI);
  if (!(await reachable(mongo.hostname, Number(mongo.port || 27017)))) missing.push(`the MongoDB-compatible server at ${MONGODB_URI} (bash infra/local/mongo-start.sh)`);
  if (missing.length > 0) {
    throw new Error(`--distributed needs ${missing.join(' and ')}: nothing answers. Start them (npm run infra:up; see infra/local/README.md) or set KAFKA_BROKERS / MONGODB_URI.`);
  }
};

/** Drops this run's databases and topics: the servers are shared and the MongoDB one holds everything in memory. */
const dropRunData = async (database: string, services: readonly string[], topicPrefix: string) => {
  const connection = await mongoose.createConnection(MONGODB_URI, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    for (const service of services) await connection.useDb(`${database}-${service}`).dropDatabase();
  } finally {
    await connection.close();
  }
  const admin = new Kafka({ brokers: KAFKA_BROKERS.split(','), clientId: 'bench-e2e-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
};

const distributed = async (rate: number, seconds: number) => {
  await requireInfrastructure();
  const run = `bench_e2e_${Date.now()}`;
  const dataDir = tempDir('bench-e2e-distributed-');
  const topicPrefix = `${run}.`;
  const [intakePort, reportingPort] = [await freePort(), await freePort()];
  const env = {
    DATA_DIR: dataDir,
    EVENT_STORE: 'sqlite',
    BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    READ_STORE: 'mongodb',
    MONGODB_URI,
    MONGODB_DB: run,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    INTAKE_PORT: String(intakePort),
    REPORTING_PORT: String(reportingPort),
  };
  // A CPU profile of each service, written when it exits (the services exit on SIGTERM).
  const nodeOptions = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`] : [];
  const services: ServiceProcess[] = [
    spawnService('intake', intakePort, env, join(dataDir, 'intake.log'), nodeOptions),
    spawnService('reporting', reportingPort, env, join(dataDir, 'reporting.log'), nodeOptions),
  ];
  cleanups.push(() => dropRunData(run, ['intake', 'reporting'], topicPrefix));
  cleanups.push(() => stopServices(services));
  const booted = performance.now();
  await waitForServices(services);
  const [intake, reporting] = services.map((service) => service.url) as [string, string];
  // The services' issuer keeps its key under the DATA_DIR they share with this process.
  const tokens = await benchTokens(loadConfig({ DATA_DIR: dataDir }));
  process.stderr.write(`intake and reporting healthy after ${((performance.now() - booted) / 1000).toFixed(1)} s (logs in ${dataDir}); warming up\n`);
  await warmUp(intake, reporting, tokens, WARM_UP_REGISTRATIONS);
  printLag('distributed: intake + reporting processes, Kafka, MongoDB-compatible server', rate, seconds, await measureLag(intake, reporting, tokens, { rate, seconds }));
  if (args.profile) process.stderr.write(`CPU profiles of intake and reporting go to ${resolve(args.profile)} when they stop\n`);
};

const embeddedAtRate = async (rate: number, seconds: number) => {
  const network = await startEmbedded();
  await warmUp(network.intake, network.reporting, network.tokens, WARM_UP_REGISTRATIONS);
  printLag('embedded network', rate, seconds, await measureLag(network.intake, network.reporting, network.tokens, { rate, seconds }));
};

const main = async () => {
  const seconds = positive('seconds', args.seconds!);
  if (args.distributed) return distributed(positive('rate', args.rate ?? '200'), seconds);
  if (args.rate !== undefined) return embeddedAtRate(positive('rate', args.rate), seconds);
  return sequential();
};

runBench('bench:e2e', main, cleanUp);
