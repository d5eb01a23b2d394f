/**
 * npm run bench:scale [-- --beneficiaries N] — is the network as fast and as light with N
 * beneficiaries (default 1,000,000) as with none? (issue 5, deliverable 4)
 *
 * Seeds a store with N registrations through the event store port (intake's decider, codec and
 * vault, the CommandExecutor's envelopes; no HTTP), lets the embedded network catch up, then
 * prints every figure as a ratio to a baseline measured in the same run, with the raw numbers:
 *
 *   1  POST /beneficiaries throughput with N ÷ with an empty store (alternating rounds, medians)
 *   2  intake's POST throughput (empty store) ÷ a bare NestJS POST endpoint (same rounds, medians)
 *   3  idle CPU of the network holding N (this process, idle too), % of one core
 *   4  GET /reports/network p99 ÷ GET /health p99, same network holding N
 *   5  rebuild of the read models (events/s) ÷ a raw sequential read of the same log
 *   6  RSS of the network holding N;  6b  boot-to-healthy with N ÷ with an empty store
 *   7  journey read p50 with N ÷ with 10k
 *
 * Options: --beneficiaries N, --data-dir DIR (kept and reused: a store seeded with the same N is
 * not seeded again), --keep (keep the temporary directory), --json FILE (the table as JSON),
 * --seconds S (load per round, 10), --rounds R (3), --idle-seconds S (30), --requests R (2,000
 * per latency target).
 *
 * The network runs in this process (as `npm start` runs it), seeding in a child process so
 * that its memory is not counted. Progress bars go to stderr, results to stdout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@oriental/service-kit';
import { startBareNestApp } from './lib/bare-nest-app';
import { BenchTokens, benchTokens } from './lib/bench-tokens';
import { BenchNetwork, startBenchNetwork, waitForFollowers, waitForReportTotal } from './lib/embedded-network';
import { interleavedLatencies } from './lib/http-client';
import { readWholeLog } from './lib/log-read';
import { LoadResult, postRegistrations } from './lib/post-load';
import { PhaseTimer, progressBar } from './lib/progress';
import { REBUILD_SCOPE, rebuildReadModels } from './lib/rebuild';
import { seededBeneficiaryId, seedStoreInChild } from './lib/seed-store';
import { formatBytes, formatNumber, median, percentile, sleep } from './lib/stats';
import { runBench } from './lib/run-bench';

const JOURNEY_BASELINE = 10_000;
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const SETTLE_SECONDS = 5;

const { values: args } = parseArgs({
  options: {
    beneficiaries: { type: 'string', default: '1000000' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '30' },
    requests: { type: 'string', default: '2000' },
  },
});

const positive = (name: string, value: string | undefined): number => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return number;
};

const options = {
  beneficiaries: positive('beneficiaries', args.beneficiaries),
  seconds: positive('seconds', args.seconds),
  rounds: positive('rounds', args.rounds),
  idleSeconds: positive('idle-seconds', args['idle-seconds']),
  requests: positive('requests', args.requests),
};

interface Row {
  id: string;
  figure: string;
  /** The figure compared with the goal: a ratio, or % of a core (3), or GiB (6). */
  value: number;
  measured: string;
  goal: string;
  ok: boolean;
  raw: Record<string, number | string>;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Everything started, so that an error or Ctrl-C stops it all and removes what must go. */
const running = new Set<BenchNetwork>();
const temporary = new Set<string>();
const cleanUp = async () => {
  await Promise.allSettled([...running].map((network) => network.stop()));
  running.clear();
  if (!args.keep) for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
};

const start = async (dataDir: string): Promise<BenchNetwork> => {
  const network = await startBenchNetwork(dataDir);
  running.add(network);
  return network;
};
const stop = async (network: BenchNetwork) => {
  running.delete(network);
  await network.stop();
};

/** One POST load (warm-up, then the measured seconds) from a child process, each registration with its cell's agent token, with a bar that ticks each second. */
const load = async (url: string, tokens: BenchTokens, label: string): Promise<LoadResult> => {
  const total = WARMUP_SECONDS + options.seconds;
  const bar = progressBar(label, total, 's');
  const started = performance.now();
  const ticker = setInterval(() => bar.update(Math.min(total, Math.round((performance.now() - started) / 1000))), 1000);
  try {
    return await postRegistrations(url, { warmUpSeconds: WARMUP_SECONDS, seconds: options.seconds, connections: CONNECTIONS, agents: tokens.agents });
  } finally {
    clearInterval(ticker);
    bar.stop();
  }
};

const describe = (result: LoadResult) =>
  `POST ${formatNumber(result.rps)} req/s (p50 ${result.p50} ms, p99 ${result.p99} ms), server CPU ${formatNumber(result.cpuUsPerRequest)} µs/request`;

const cpuPercentOver = async (seconds: number, label: string): Promise<number> => {
  const bar = progressBar(label, seconds, 's');
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let second = 1; second <= seconds; second++) {
    await sleep(started + second * 1000 - performance.now());
    bar.update(second);
  }
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  bar.stop();
  return ((used.user + used.system) / 1000 / wall) * 100;
};

const main = async () => {
  const n = options.beneficiaries;
  const root = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'bench-scale-'));
  if (!args['data-dir']) temporary.add(root);
  mkdirSync(root, { recursive: true });
  const fullDir = join(root, `beneficiaries-${n}`);
  const baselineDir = join(root, `journey-baseline-${JOURNEY_BASELINE}`);
  const timer = new PhaseTimer();
  const rss: number[] = [];
  log(`bench:scale — ${formatNumber(n)} beneficiaries, data in ${root}`);

  // Seeding.
  const seeded = await timer.time(`seed ${formatNumber(n)} beneficiaries`, () => seedStoreInChild(fullDir, n, `seeding ${formatNumber(n)}`));
  if (seeded.reused) timer.phases.at(-1)!.name += ' (reused)';
  log(seeded.reused ? `  seed: reused ${fullDir}` : `  seed: ${formatNumber(n)} registrations in ${seeded.seconds.toFixed(1)} s = ${formatNumber(n / seeded.seconds)}/s`);
  const baselineSeed = await timer.time(`seed ${formatNumber(JOURNEY_BASELINE)} (journey baseline)`, () =>
    seedStoreInChild(baselineDir, JOURNEY_BASELINE, `seeding ${formatNumber(JOURNEY_BASELINE)}`),
  );
  if (baselineSeed.reused) timer.phases.at(-1)!.name += ' (reused)';
  else log(`  seed baseline: ${formatNumber(JOURNEY_BASELINE)} in ${baselineSeed.seconds.toFixed(1)} s`);

  // Figure 5's denominator, and the count the report must reach.
  const fullConfig = loadConfig({ DATA_DIR: fullDir, LOG_LEVEL: 'error' });
  const rawBar = progressBar('raw read of the log', n, 'events');
  const raw = await timer.time('raw read of the log', () => readWholeLog(fullConfig, (events) => rawBar.update(events)));
  rawBar.stop();
  const rawRate = raw.events / raw.seconds;
  log(`  raw read: ${formatNumber(raw.events)} events in ${raw.seconds.toFixed(2)} s = ${formatNumber(rawRate)} events/s (${formatNumber(raw.registrations)} registrations)`);

  // First boot: the network's followers catch up on the seeded log.
  await timer.time('first boot and catch-up', async () => {
    const network = await start(fullDir);
    log(`  first boot: healthy in ${(network.bootMs / 1000).toFixed(1)} s`);
    const bar = progressBar('network catching up', raw.registrations, 'in report');
    const started = performance.now();
    try {
      await waitForReportTotal(network.reporting, network.tokens.auditor, raw.registrations, bar);
    } finally {
      bar.stop();
    }
    // And the services' own log followers (intake's duplicate index opens every registration once).
    if (raw.head !== undefined) await waitForFollowers(Object.values(network.urls), raw.head);
    const seconds = (performance.now() - started) / 1000;
    log(
      seconds < 1
        ? `  catch-up: the report already counted ${formatNumber(raw.registrations)} (a store this bench ran on before)`
        : `  catch-up: the report counts ${formatNumber(raw.registrations)} after ${seconds.toFixed(1)} s = ${formatNumber(raw.registrations / seconds)}/s`,
    );
    rss.push(process.memoryUsage().rss);
    await stop(network);
  });

  // Figure 5: rebuild with the network stopped.
  const rebuildBar = progressBar('rebuilding read models', raw.events, 'events');
  const rebuild = await timer.time('rebuild of the read models', () => rebuildReadModels(fullDir, (events) => rebuildBar.update(events)));
  rebuildBar.stop();
  const rebuildRate = rebuild.events / rebuild.seconds;
  log(`  rebuild (${REBUILD_SCOPE}): ${formatNumber(rebuild.events)} events in ${rebuild.seconds.toFixed(2)} s = ${formatNumber(rebuildRate)} events/s`);

  // Alternating rounds: the bare endpoint, an empty store, then the full one, each network on a fresh boot.
  const bare: LoadResult[] = [];
  const empty: { boot: number[]; loads: LoadResult[] } = { boot: [], loads: [] };
  const full: { boot: number[]; loads: LoadResult[] } = { boot: [], loads: [] };
  let idleCpu = NaN;
  let latency: Record<string, number[]> = {};
  let journeys: Record<string, number[]> = {};
  // The bare endpoint gets the same requests as intake, tokens included (it ignores them).
  const bareTokens = await benchTokens(fullConfig);
  for (let round = 1; round <= options.rounds; round++) {
    await timer.time(`round ${round}: bare NestJS`, async () => {
      const app = await startBareNestApp();
      try {
        bare.push(await load(app.url, bareTokens, `round ${round}: bare NestJS POST`));
      } finally {
        await app.close();
      }
      log(`  round ${round} bare NestJS: ${describe(bare.at(-1)!)}`);
    });
    await timer.time(`round ${round}: empty store`, async () => {
      const dir = join(root, `empty-${round}`);
      temporary.add(dir);
      const network = await start(dir);
      empty.boot.push(network.bootMs);
      const result = await load(network.intake, network.tokens, `round ${round}: POST, empty store`);
      empty.loads.push(result);
      await stop(network);
      rmSync(dir, { recursive: true, force: true });
      log(`  round ${round} empty: boot ${(network.bootMs / 1000).toFixed(2)} s, ${describe(result)}`);
    });
    await timer.time(`round ${round}: ${formatNumber(n)} stored`, async () => {
      const network = await start(fullDir);
      full.boot.push(network.bootMs);
      if (round === 1) {
        const latencyBar = progressBar('GET /reports/network vs /health', options.requests, 'pairs');
        // Both with the auditor's token: the report verifies it, /health (public) ignores it.
        const auditor = { authorization: network.tokens.auditor };
        latency = await interleavedLatencies(
          [
            { name: 'report', url: () => `${network.reporting}/reports/network`, headers: auditor },
            { name: 'health', url: () => `${network.reporting}/health`, headers: auditor },
          ],
          options.requests,
          (done) => latencyBar.update(done),
        );
        latencyBar.stop();
        const baseline = await start(baselineDir);
        try {
          const catchUp = progressBar('baseline network catching up', JOURNEY_BASELINE, 'in report');
          await waitForReportTotal(baseline.reporting, baseline.tokens.auditor, JOURNEY_BASELINE, catchUp).finally(() => catchUp.stop());
          const journeyBar = progressBar('journey reads, N vs 10k', options.requests, 'pairs');
          const random = (count: number) => seededBeneficiaryId(Math.floor(Math.random() * count));
          journeys = await interleavedLatencies(
            [
              { name: 'full', url: () => `${network.reporting}/journeys/${random(n)}`, headers: { authorization: network.tokens.auditor } },
              { name: 'baseline', url: () => `${baseline.reporting}/journeys/${random(JOURNEY_BASELINE)}`, headers: { authorization: baseline.tokens.auditor } },
            ],
            options.requests,
            (done) => journeyBar.update(done),
          );
          journeyBar.stop();
        } finally {
          await stop(baseline);
        }
      }
      const result = await load(network.intake, network.tokens, `round ${round}: POST, ${formatNumber(n)} stored`);
      full.loads.push(result);
      rss.push(process.memoryUsage().rss);
      log(`  round ${round} ${formatNumber(n)}: boot ${(network.bootMs / 1000).toFixed(2)} s, ${describe(result)}`);
      if (round === 1) {
        await sleep(SETTLE_SECONDS * 1000);
        idleCpu = await cpuPercentOver(options.idleSeconds, `idle CPU over ${options.idleSeconds} s`);
        rss.push(process.memoryUsage().rss);
        log(`  idle CPU: ${idleCpu.toFixed(2)}% of one core over ${options.idleSeconds} s, after ${SETTLE_SECONDS} s settling`);
      }
      await stop(network);
    });
  }

  const emptyRps = median(empty.loads.map((l) => l.rps));
  const fullRps = median(full.loads.map((l) => l.rps));
  const bareRps = median(bare.map((l) => l.rps));
  // Secondary, steadier under other processes' load: the server's CPU per request.
  const emptyCpu = median(empty.loads.map((l) => l.cpuUsPerRequest));
  const fullCpu = median(full.loads.map((l) => l.cpuUsPerRequest));
  const bareCpu = median(bare.map((l) => l.cpuUsPerRequest));
  const reportP99 = percentile(latency.report!, 99);
  const healthP99 = percentile(latency.health!, 99);
  const journeyFull = percentile(journeys.full!, 50);
  const journeyBaseline = percentile(journeys.baseline!, 50);
  const bootFull = median(full.boot);
  const bootEmpty = median(empty.boot);
  const maxRss = Math.max(...rss);
  const rows: Row[] = [
    {
      id: '1',
      figure: 'POST throughput, N stored ÷ empty store',
      value: fullRps / emptyRps,
      measured: `${(fullRps / emptyRps).toFixed(2)} (${formatNumber(fullRps)} ÷ ${formatNumber(emptyRps)} req/s; by server CPU/request ${(emptyCpu / fullCpu).toFixed(2)} = ${formatNumber(emptyCpu)} ÷ ${formatNumber(fullCpu)} µs)`,
      goal: '≥ 0.9',
      ok: fullRps / emptyRps >= 0.9,
      raw: {
        fullRps,
        emptyRps,
        fullRounds: full.loads.map((l) => l.rps).join(' '),
        emptyRounds: empty.loads.map((l) => l.rps).join(' '),
        fullCpuUsPerRequest: fullCpu,
        emptyCpuUsPerRequest: emptyCpu,
      },
    },
    {
      id: '2',
      figure: 'intake POST ÷ bare NestJS POST',
      value: emptyRps / bareRps,
      measured: `${(emptyRps / bareRps).toFixed(2)} (${formatNumber(emptyRps)} ÷ ${formatNumber(bareRps)} req/s; by server CPU/request ${(bareCpu / emptyCpu).toFixed(2)} = ${formatNumber(bareCpu)} ÷ ${formatNumber(emptyCpu)} µs)`,
      goal: '≥ 0.3',
      ok: emptyRps / bareRps >= 0.3,
      raw: { intakeRps: emptyRps, bareRps, bareRounds: bare.map((l) => l.rps).join(' '), intakeCpuUsPerRequest: emptyCpu, bareCpuUsPerRequest: bareCpu },
    },
    {
      id: '3',
      figure: 'idle CPU holding N',
      value: idleCpu,
      measured: `${idleCpu.toFixed(2)}% of one core over ${options.idleSeconds} s`,
      goal: '< 2%',
      ok: idleCpu < 2,
      raw: { cpuPercent: idleCpu, seconds: options.idleSeconds },
    },
    {
      id: '4',
      figure: 'GET /reports/network p99 ÷ GET /health p99',
      value: reportP99 / healthP99,
      measured: `${(reportP99 / healthP99).toFixed(2)} (${reportP99.toFixed(2)} ÷ ${healthP99.toFixed(2)} ms)`,
      goal: '≤ 5',
      ok: reportP99 / healthP99 <= 5,
      raw: { reportP99Ms: reportP99, healthP99Ms: healthP99, requestsEach: options.requests },
    },
    {
      id: '5',
      figure: 'rebuild ÷ raw read of the log (events/s)',
      value: rebuildRate / rawRate,
      measured: `${(rebuildRate / rawRate).toFixed(2)} (${formatNumber(rebuildRate)} ÷ ${formatNumber(rawRate)} events/s)`,
      goal: '≥ 0.3 and ≥ 100k/s',
      ok: rebuildRate / rawRate >= 0.3 && rebuildRate >= 100_000,
      raw: { rebuildEventsPerSecond: rebuildRate, rawEventsPerSecond: rawRate, rebuildEvents: rebuild.events, rawEvents: raw.events, scope: REBUILD_SCOPE },
    },
    {
      id: '6',
      figure: 'RSS of the network holding N (max)',
      value: maxRss / 2 ** 30,
      measured: `${formatBytes(maxRss)} (samples ${rss.map(formatBytes).join(', ')})`,
      goal: '≤ 1 GiB',
      ok: maxRss <= 2 ** 30,
      raw: { maxRssBytes: maxRss, samples: rss.join(' ') },
    },
    {
      id: '6b',
      figure: 'boot-to-healthy, N stored ÷ empty store',
      value: bootFull / bootEmpty,
      measured: `${(bootFull / bootEmpty).toFixed(2)} (${(bootFull / 1000).toFixed(2)} ÷ ${(bootEmpty / 1000).toFixed(2)} s)`,
      goal: '≤ 2',
      ok: bootFull / bootEmpty <= 2,
      raw: { bootFullMs: bootFull, bootEmptyMs: bootEmpty },
    },
    {
      id: '7',
      figure: `journey read p50, N ÷ ${formatNumber(JOURNEY_BASELINE)}`,
      value: journeyFull / journeyBaseline,
      measured: `${(journeyFull / journeyBaseline).toFixed(2)} (${journeyFull.toFixed(2)} ÷ ${journeyBaseline.toFixed(2)} ms)`,
      goal: '≤ 1.2',
      ok: journeyFull / journeyBaseline <= 1.2,
      raw: { fullP50Ms: journeyFull, baselineP50Ms: journeyBaseline },
    },
  ];

  const widths = [3, Math.max(...rows.map((r) => r.figure.length)), Math.max(...rows.map((r) => r.measured.length)), 18, 4];
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  log(`\nbench:scale with ${formatNumber(n)} beneficiaries (${options.rounds} rounds of ${options.seconds} s, ${CONNECTIONS} connections)`);
  log(line(['#', 'figure', 'measured', 'goal', 'ok?']));
  log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) log(line([row.id, row.figure, row.measured, row.goal, row.ok ? 'yes' : 'NO']));
  log(`\nphases:\n${timer.table()}`);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ beneficiaries: n, rounds: options.rounds, seconds: options.seconds, phases: timer.phases, figures: rows }, null, 2));
    log(`\nwrote ${args.json}`);
  }
};

runBench('bench:scale', main, cleanUp);
