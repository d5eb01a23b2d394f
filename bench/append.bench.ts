/**
 * npm run bench:append — single-event appends per second through the SQLite event store adapter
 * (each with an exact expected revision), by 1, 10 and 50 concurrent writers, with group commit
 * (the appends of one event-loop turn share a transaction, a savepoint each) and with one
 * transaction per append; raw better-sqlite3 inserts of the same rows with the same pragmas are
 * the floor. All measured in the same process, alternating rounds (this machine is noisy:
 * compare the ratios, not the absolute figures).
 *
 * BENCH_EVENTS (appends per round, default 5000), BENCH_ROUNDS (default 5),
 * BENCH_CONCURRENCY (comma-separated writer counts, default 1,10,50).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@oriental/contracts';
import { SqliteEventStore } from '@oriental/event-store';

const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,10,50').split(',').map(Number);
const STREAMS = 100;

const event = (beneficiaryId: string): NewEvent => ({
  id: randomUUID(),
  type: 'BeneficiaryRegistered',
  schemaVersion: 1,
  data: { beneficiaryId, cellId: 'oujda', category: 'mre', sex: 'female', birthYear: 1988, nationality: 'MA', consent: { services: true, sharing: false, statistics: true } },
  metadata: { beneficiaryId, correlationId: randomUUID(), causationId: randomUUID(), actor: 'bench', cellId: 'oujda', occurredAt: new Date().toISOString() },
});

let files = 0;

/** `writers` concurrent loops, each appending one event at a time to its own streams. */
const adapterRound = async (dir: string, groupCommit: boolean, writers: number): Promise<number> => {
  const store = new SqliteEventStore(join(dir, `adapter-${files++}.sqlite`), { groupCommit });
  const ids = Array.from({ length: STREAMS }, () => randomUUID());
  const revisions = new Array<number>(STREAMS).fill(-1);
  const perWriter = Math.ceil(EVENTS_PER_ROUND / writers);
  const writer = async (w: number) => {
    for (let i = 0; i < perWriter; i++) {
      // Writer w owns streams w, w + writers, …: its expected revisions are exact.
      const s = (w + i * writers) % STREAMS;
      const expected = revisions[s]! < 0 ? 'no_stream' : revisions[s]!;
      const result = await store.appendToStream(`beneficiary-${ids[s]}`, [event(ids[s]!)], { expectedRevision: expected });
      revisions[s] = result.nextExpectedRevision;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return (perWriter * writers) / seconds;
};

/** The floor: one INSERT per transaction into an equivalent table, no revision check, no validation. */
const rawRound = (dir: string): number => {
  const db = new Database(join(dir, `raw-${files++}.sqlite`));
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
const pad = (text: string | number, width: number) => String(text).padStart(width);

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-append-'));
  try {
    // Warm-up: JIT, page cache.
    await adapterRound(dir, true, 10);
    await adapterRound(dir, false, 10);
    rawRound(dir);
    const raw: number[] = [];
    const rows: string[] = [];
    for (const writers of CONCURRENCY) {
      const grouped: number[] = [];
      const single: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so a drift of the machine favours neither.
        if (round % 2 === 0) {
          grouped.push(await adapterRound(dir, true, writers));
          single.push(await adapterRound(dir, false, writers));
        } else {
          single.push(await adapterRound(dir, false, writers));
          grouped.push(await adapterRound(dir, true, writers));
        }
        raw.push(rawRound(dir));
      }
      const [g, s] = [median(grouped), median(single)];
      rows.push(`  ${pad(writers, 7)} ${pad(s.toFixed(0), 16)} ${pad(g.toFixed(0), 13)} ${pad((g / s).toFixed(2), 17)}`);
    }
    const r = median(raw);
    process.stdout.write(
      `append bench: ${EVENTS_PER_ROUND} single-event appends x ${ROUNDS} rounds per setting, ${STREAMS} streams (median of rounds)\n` +
        `  raw better-sqlite3 inserts, one per transaction (floor): ${r.toFixed(0)} inserts/s\n` +
        `  writers  one tx per append  group commit  grouped / one tx   (appends/s)\n` +
        `${rows.join('\n')}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

void main();
