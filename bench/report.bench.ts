/**
 * npm run bench:report — a report must cost what its answer covers, not the history behind it.
 *
 * Seeds two reporting read stores through the projections' own write path (`applyBatch`, three
 * lanes as three Kafka partitions would): a small one (BENCH_REPORT_SMALL beneficiaries, default
 * 10,000, registered over one year) and a large one (ten times as many, over five years), each
 * with return visits, needs and referrals. Then serves both from two reporting services in this
 * process and times the same requests against each, interleaved (warm-up first): a month, a
 * year and all time of /reports/network, a year of /reports/referrals with a cell filter, and a
 * public month. Prints p50 and p99 per request and store, and the ratio large ÷ small (≈ 1 when
 * a report reads only the buckets of its period).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrationEvent } from '@oriental/contracts';
import { reportingService } from '@oriental/reporting';
import { Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import { interleavedLatencies } from './lib/http-client';
import { progressBar } from './lib/progress';
import { runBench } from './lib/run-bench';
import { formatNumber, percentile } from './lib/stats';

const SMALL = Number(process.env.BENCH_REPORT_SMALL ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REPORT_REQUESTS ?? 300);
/** Three partitions per topic, as a Kafka deployment would have: a lane each. */
const LANES = 3;
const CELLS = ['oujda', 'nador', 'berkane', 'figuig', 'guercif', 'driouch', 'taourirt', 'jerada', 'prefecture-oujda-angad', 'province-nador'];
const CATEGORIES = ['mre', 'returnee', 'rpt'] as const;
const NATIONALITIES = ['MA', 'MA', 'MA', 'SN', 'CI', 'GN', 'ML', 'CM', 'NG', 'FR', 'ES', 'BE', 'NL', 'DE', 'IT', 'SY', 'YE', 'SD', 'CD', 'DZ'];
const NEEDS = ['health', 'legal_aid', 'civil_documents', 'housing', 'vocational_training_employment'];
const PARTNERS: Record<string, string> = { health: 'chr-al-farabi', legal_aid: 'legal-aid-oriental', civil_documents: 'consulate-oujda', housing: 'ngo-migrants-oujda', vocational_training_employment: 'anapec-oriental' };
/** The last day of history in both stores: reports ask for periods that end on it. */
const LAST_DAY = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;

let position = 0;

/** One beneficiary's events, on the bus as intake and referral publish them: registered `daysAgo` before the last day, maybe back later, with needs and a referral. */
const historyOf = (ordinal: number, daysAgo: number): { topic: 'intake' | 'referral'; event: IntegrationEvent }[] => {
  const beneficiaryId = randomUUID();
  const cellId = CELLS[ordinal % CELLS.length]!;
  const at = (days: number) => new Date(LAST_DAY - (daysAgo - days) * DAY).toISOString();
  let intakeRevision = 0;
  const envelope = (stream: string, revision: number, type: string, occurredAt: string, data: object): IntegrationEvent => ({
    id: randomUUID(),
    type,
    schemaVersion: 1,
    source: { stream, revision, position: String(++position) },
    beneficiaryId,
    cellId,
    occurredAt,
    correlationId: 'bench',
    causationId: 'bench',
    actor: 'bench',
    data,
  });
  const intake = (type: string, occurredAt: string, data: object) => ({ topic: 'intake' as const, event: envelope(`beneficiary-${beneficiaryId}`, intakeRevision++, type, occurredAt, { beneficiaryId, ...data }) });
  const events: { topic: 'intake' | 'referral'; event: IntegrationEvent }[] = [
    intake('BeneficiaryRegistered', at(0), {
      cellId,
      category: CATEGORIES[ordinal % 3],
      sex: ordinal % 2 ? 'male' : 'female',
      ageBand: ['18-24', '25-34', '35-44', '45-59'][ordinal % 4],
      nationality: NATIONALITIES[ordinal % NATIONALITIES.length],
      consent: { services: true, sharing: true, statistics: ordinal % 7 !== 0 },
      registeredAt: at(0),
      profile: {},
    }),
  ];
  if (ordinal % 4 === 0 && daysAgo > 1) {
    const need = NEEDS[ordinal % NEEDS.length]!;
    events.push(intake('NeedsAssessed', at(1), { needs: [{ code: need, priority: 'high' }], assessedAt: at(1) }));
    if (ordinal % 8 === 0) {
      const referralId = randomUUID();
      const stream = `referral-${referralId}`;
      events.push(
        { topic: 'referral', event: envelope(stream, 0, 'ReferralSent', at(1), { referralId, beneficiaryId, cellId, partnerId: PARTNERS[need], need, consentOverridden: false, answerDueBy: at(6), sentAt: at(1) }) },
        { topic: 'referral', event: envelope(stream, 1, 'ReferralAccepted', at(1), { referralId, acceptedAt: at(1) }) },
      );
    }
  }
  if (ordinal % 3 === 0 && daysAgo > 1) events.push(intake('BeneficiaryProfileRecorded', at(Math.min(daysAgo, 2)), { profile: {}, recordedAt: at(Math.min(daysAgo, 2)) }));
  return events;
};

/** Seeds `beneficiaries` registered over `days` days into every read model of reporting, a lane's batch at a time, as the consumers apply them. */
const seed = async (config: ServiceConfig, infrastructure: Infrastructure, beneficiaries: number, days: number, label: string): Promise<void> => {
  const models = reportingService.readModels!(infrastructure.readStore, config);
  const bar = progressBar(`seeding ${label}`, beneficiaries, 'beneficiaries');
  const CHUNK = 6_000;
  for (let first = 0; first < beneficiaries; first += CHUNK) {
    const byLane = Array.from({ length: LANES }, () => [] as { topic: 'intake' | 'referral'; event: IntegrationEvent }[]);
    for (let ordinal = first; ordinal < Math.min(beneficiaries, first + CHUNK); ordinal++) {
      // From the oldest day to the last, evenly.
      const daysAgo = days - 1 - Math.floor((ordinal / beneficiaries) * days);
      byLane[ordinal % LANES]!.push(...historyOf(ordinal, daysAgo));
    }
    for (const [index, lane] of byLane.entries()) {
      for (const topic of ['intake', 'referral'] as const) {
        const events = lane.filter((e) => e.topic === topic).map((e) => e.event);
        for (const model of models) {
          const followed = events.filter((event) => model.streamPrefixes.some((prefix) => event.source.stream.startsWith(prefix)));
          if (followed.length > 0) await model.applyBatch(`oriental.${topic}.v1#${index}`, followed);
        }
      }
    }
    bar.update(Math.min(beneficiaries, first + CHUNK));
  }
  bar.stop();
};

const cleanUps: (() => Promise<void>)[] = [];

const main = async () => {
  const stores: { label: string; beneficiaries: number; days: number; service?: RunningService; token?: string }[] = [
    { label: 'small', beneficiaries: SMALL, days: 365 },
    { label: 'large', beneficiaries: SMALL * 10, days: 5 * 365 },
  ];
  for (const store of stores) {
    const dataDir = mkdtempSync(join(tmpdir(), `bench-report-${store.label}-`));
    cleanUps.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
    const infrastructure = await openInfrastructure(config, 'reporting');
    await seed(config, infrastructure, store.beneficiaries, store.days, `${store.label} (${formatNumber(store.beneficiaries)} beneficiaries over ${store.days / 365} year${store.days > 365 ? 's' : ''})`);
    store.service = await startService(reportingService, { config, infrastructure, port: 0, logger: new JsonLogger('reporting', 'error') });
    cleanUps.unshift(() => store.service!.stop());
    store.token = await issueToken(config, { role: 'auditor' });
  }

  const requests: Record<string, string> = {
    'network, a month': '/reports/network?from=2026-06-01&to=2026-06-30',
    'network, a year': '/reports/network?from=2025-07-01&to=2026-06-30',
    'network, all time': '/reports/network',
    'referrals, a year, one cell': '/reports/referrals?from=2025-07-01&to=2026-06-30&cellId=nador',
    'network, a month, public': '/reports/network?from=2026-06-01&to=2026-06-30&audience=public',
  };
  const targets = Object.entries(requests).flatMap(([name, path]) =>
    stores.map((store) => ({ name: `${name} | ${store.label}`, url: () => `${store.service!.url}${path}`, headers: { Authorization: `Bearer ${store.token!}` } })),
  );
  await interleavedLatencies(targets, 50);
  const bar = progressBar('timing reports', REQUESTS, 'rounds');
  const samples = await interleavedLatencies(targets, REQUESTS, (done) => bar.update(done));
  bar.stop();

  const lines = [`report bench: ${REQUESTS} requests of each, interleaved; small = ${formatNumber(SMALL)} beneficiaries over 1 year, large = ${formatNumber(SMALL * 10)} over 5 years`];
  lines.push(`  ${'request'.padEnd(30)} ${'small p50'.padStart(10)} ${'large p50'.padStart(10)} ${'ratio'.padStart(6)}   ${'small p99'.padStart(10)} ${'large p99'.padStart(10)} ${'ratio'.padStart(6)}`);
  for (const name of Object.keys(requests)) {
    const [small, large] = [samples[`${name} | small`]!, samples[`${name} | large`]!];
    const [s50, l50, s99, l99] = [percentile(small, 50), percentile(large, 50), percentile(small, 99), percentile(large, 99)];
    lines.push(
      `  ${name.padEnd(30)} ${`${s50.toFixed(2)} ms`.padStart(10)} ${`${l50.toFixed(2)} ms`.padStart(10)} ${(l50 / s50).toFixed(2).padStart(6)}   ${`${s99.toFixed(2)} ms`.padStart(10)} ${`${l99.toFixed(2)} ms`.padStart(10)} ${(l99 / s99).toFixed(2).padStart(6)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
};

runBench('report bench', main, async () => {
  for (const cleanUp of cleanUps) await cleanUp().catch(() => undefined);
});
