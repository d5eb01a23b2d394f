/**
 * npm run bench:e2e — registration → report lag on the embedded default: the time from the
 * POST /beneficiaries answer to the moment GET /reports/network counts it, p50 and p99. The
 * baseline, measured in the same run, is the POST's own latency: the lag is printed as a ratio
 * to it so noisy machines can still compare runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLogger, loadConfig } from '@oriental/service-kit';
import { aRegistrationBody } from '@oriental/intake/testing';
import { startNetwork } from '@oriental/network';

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 300);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const main = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const network = await startNetwork(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }), {
    logger: (service) => new JsonLogger(service, 'error'),
    ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 },
  });
  const intake = network.urls.intake!;
  const reporting = network.urls.reporting!;
  const total = async () => ((await (await fetch(`${reporting}/reports/network`)).json()) as { beneficiaries: { total: number } }).beneficiaries.total;
  const lags: number[] = [];
  const posts: number[] = [];
  try {
    for (let i = 0; i < REGISTRATIONS; i++) {
      const sent = performance.now();
      const response = await fetch(`${intake}/beneficiaries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${Date.now()}-${i}` },
        body: JSON.stringify(aRegistrationBody()),
      });
      if (response.status !== 201) throw new Error(`POST answered ${response.status}`);
      const answered = performance.now();
      posts.push(answered - sent);
      while ((await total()) < i + 1) await new Promise((resolve) => setImmediate(resolve));
      lags.push(performance.now() - answered);
    }
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    const post50 = percentile(posts, 50);
    process.stdout.write(
      `e2e bench: ${REGISTRATIONS} sequential registrations on the embedded default\n` +
        `  registration → report lag  p50 ${p50.toFixed(1)} ms   p99 ${p99.toFixed(1)} ms\n` +
        `  POST /beneficiaries latency p50 ${post50.toFixed(1)} ms (baseline, same run)\n` +
        `  lag p50 / POST p50 ${(p50 / post50).toFixed(2)}   lag p99 / POST p50 ${(p99 / post50).toFixed(2)}\n`,
    );
  } finally {
    await network.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

void main();
