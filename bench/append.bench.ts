/**
 * npm run bench:append — single-event appends per second through the SQLite event store adapter
 * (each with an exact expected revision), against raw better-sqlite3 inserts of the same rows
 * with the same pragmas, measured in the same process, alternating rounds (this machine is
 * noisy: compare the ratio, not the absolute figures).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@oriental/contracts';
import { createEventStore } from '@oriental/event-store';

const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STREAMS = 100;

const event = (beneficiaryId: string): NewEvent => ({
  id: randomUUID(),
  type: 'BeneficiaryRegistered',
  schemaVersion: 1,
  data: { beneficiaryId, cellId: 'oujda', category: 'mre', sex: 'female', birthYear: 1988, nationality: 'MA', consent: { services: true, sharing: false, statistics: true } },
  metadata: { beneficiaryId, correlationId: randomUUID(), causationId: randomUUID(), actor: 'bench', cellId: 'oujda', occurredAt: new Date().toISOString() },
});

const adapterRound = async (dir: string, round: number): Promise<number> => {
  const store = await createEventStore({ kind: 'sqlite', file: join(dir, `adapter-${round}.sqlite`) });
  const ids = Array.from({ length: STREAMS }, () => randomUUID());
  const revisions = new Array<number>(STREAMS).fill(-1);
  const started = process.hrtime.bigint();
  for (let i = 0; i < EVENTS_PER_ROUND; i++) {
    const s = i % STREAMS;
    const expected = revisions[s]! < 0 ? 'no_stream' : revisions[s]!;
    const result = await store.appendToStream(`beneficiary-${ids[s]}`, [event(ids[s]!)], { expectedRevision: expected });
    revisions[s] = result.nextExpectedRevision;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return EVENTS_PER_ROUND / seconds;
};

/** The floor: one INSERT per transaction into an equivalent table, no revision check, no validation. */
const rawRound = (dir: string, round: number): number => {
  const db = new Database(join(dir, `raw-${round}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    beneficiary_id TEXT, occurred_at TEXT NOT NULL, UNIQUE (stream, revision));
    CREATE INDEX events_beneficiary ON events (beneficiary_id, position);`);
  const insert = db.prepare(
    'INSERT INTO events (id, stream, revision, type, schema_version, data, metadata, beneficiary_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const ids = Array.from({ length: STREAMS }, () => randomUUID());
  const revisions = new Array<number>(STREAMS).fill(-1);
  const started = process.hrtime.bigint();
  for (let i = 0; i < EVENTS_PER_ROUND; i++) {
    const s = i % STREAMS;
    const e = event(ids[s]!);
    revisions[s] = revisions[s]! + 1;
    insert.run(e.id, `beneficiary-${ids[s]}`, revisions[s], e.type, 1, JSON.stringify(e.data), JSON.stringify(e.metadata), ids[s], e.metadata.occurredAt);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return EVENTS_PER_ROUND / seconds;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-append-'));
  try {
    await adapterRound(dir, -1); // warm-up: JIT, page cache
    rawRound(dir, -1);
    const adapter: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      adapter.push(await adapterRound(dir, round));
      raw.push(rawRound(dir, round));
    }
    const a = median(adapter);
    const r = median(raw);
    process.stdout.write(
      `append bench: ${EVENTS_PER_ROUND} single-event appends x ${ROUNDS} rounds, ${STREAMS} streams (median of rounds)\n` +
        `  sqlite adapter (expected revision, validation): ${a.toFixed(0)} appends/s\n` +
        `  raw better-sqlite3 inserts (baseline)         : ${r.toFixed(0)} inserts/s\n` +
        `  ratio adapter / raw                            : ${(a / r).toFixed(2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

void main();
