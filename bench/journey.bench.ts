/**
 * npm run bench:journey — a journey read must cost what the journey holds, not what the log
 * holds. Reads one beneficiary's journey (4 events in 2 streams) from a small log and from a
 * log 100 times larger, in the same run, and prints the ratio (≈1 when the read is indexed).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@oriental/contracts';
import { createEventStore, EventStore } from '@oriental/event-store';

const SMALL = Number(process.env.BENCH_SMALL ?? 2_000);
const LARGE = SMALL * 100;
const READS = 2_000;

const event = (beneficiaryId: string): NewEvent => ({
  id: randomUUID(),
  type: 'BeneficiaryRegistered',
  schemaVersion: 1,
  data: { beneficiaryId, cellId: 'oujda' },
  metadata: { beneficiaryId, correlationId: 'bench', causationId: 'bench', actor: 'bench', occurredAt: new Date().toISOString() },
});

/** Fills the log with `total` events, 10 per beneficiary stream, plus one followed journey. */
const fill = async (store: EventStore, total: number): Promise<string> => {
  const followed = randomUUID();
  await store.appendToStream(`beneficiary-${followed}`, [event(followed), event(followed)], { expectedRevision: 'no_stream' });
  for (let written = 0; written < total; written += 10) {
    const id = randomUUID();
    await store.appendToStream(`beneficiary-${id}`, Array.from({ length: 10 }, () => event(id)), { expectedRevision: 'no_stream' });
  }
  await store.appendToStream(`referral-${randomUUID()}`, [event(followed), event(followed)], { expectedRevision: 'no_stream' });
  return followed;
};

const timeReads = async (store: EventStore, beneficiaryId: string): Promise<number> => {
  for (let i = 0; i < 200; i++) await store.readJourney(beneficiaryId); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) {
    const journey = await store.readJourney(beneficiaryId);
    if (journey.length !== 4) throw new Error(`expected 4 events, got ${journey.length}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / READS;
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-journey-'));
  try {
    const small = await createEventStore({ kind: 'sqlite', file: join(dir, 'small.sqlite') });
    const large = await createEventStore({ kind: 'sqlite', file: join(dir, 'large.sqlite') });
    const smallId = await fill(small, SMALL);
    const largeId = await fill(large, LARGE);
    const smallUs = await timeReads(small, smallId);
    const largeUs = await timeReads(large, largeId);
    const smallAgain = await timeReads(small, smallId);
    const baseline = (smallUs + smallAgain) / 2;
    process.stdout.write(
      `journey bench: readJourney of a 4-event journey, ${READS} reads each\n` +
        `  log of ${SMALL} events : ${baseline.toFixed(1)} µs/read (baseline, mean of two runs)\n` +
        `  log of ${LARGE} events: ${largeUs.toFixed(1)} µs/read\n` +
        `  ratio large / small : ${(largeUs / baseline).toFixed(2)}\n`,
    );
    await small.close();
    await large.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

void main();
