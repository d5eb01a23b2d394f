/**
 * npm run bench:document-insert [-- --documents N] — what one new document costs the embedded
 * read store, the floor under a rebuild (figure 5 of bench:scale writes three per registration).
 *
 * Writes N new documents (default 1,000,000) the way a rebuild does (`writeBatch`, batches of
 * 50,000 in key order, a registration-sized document and its checkpoint) and prints µs per
 * document for:
 *   a. an in-memory database (`:memory:`): the baseline, no file at all;
 *   b. a file, with ids that grow (time-ordered): each insert lands on the last index page;
 *   c. a file, with random ids (what beneficiary ids are, ADR 4): each insert lands on an index
 *      page of its own once the index outgrows the page cache.
 * The three run in this process, one after another, each on a fresh store.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DocumentWrite, EmbeddedReadStore } from '@oriental/read-store';
import { runBench } from './lib/run-bench';
import { formatNumber } from './lib/stats';

const BATCH = 50_000;
const { values: args } = parseArgs({ options: { documents: { type: 'string', default: '1000000' } } });
const documents = Number(args.documents);
if (!Number.isInteger(documents) || documents < BATCH) throw new Error(`--documents must be an integer ≥ ${BATCH}, got ${args.documents}`);

const dir = mkdtempSync(join(tmpdir(), 'bench-document-insert-'));

/** Ids that sort in the order they are made, like a UUIDv7 (a counter in the first 12 digits). */
const growingId = (index: number): string => {
  const hex = index.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${randomUUID().slice(15)}`;
};

const run = async (label: string, file: string | undefined, idOf: (index: number) => string): Promise<number> => {
  const store = EmbeddedReadStore.open(file === undefined ? {} : { file });
  const collection = store.collection('bench_documents').name;
  let elapsed = 0;
  try {
    for (let start = 0; start < documents; start += BATCH) {
      const ids = Array.from({ length: Math.min(BATCH, documents - start) }, (_, index) => idOf(start + index)).sort();
      const writes: DocumentWrite[] = ids.map((id) => ({
        collection,
        id,
        expectedVersion: 0,
        checkpoint: { [`beneficiary-${id}`]: 0 },
        data: { beneficiaryId: id, cellId: 'oujda', category: 'mre', registeredAt: '2026-11-29T10:00:00.000Z' },
      }));
      const started = performance.now();
      if (!(await store.writeBatch(writes))) throw new Error('a new document was stale');
      elapsed += performance.now() - started;
    }
  } finally {
    await store.close();
  }
  const perDocument = (elapsed * 1000) / documents;
  process.stdout.write(`  ${label.padEnd(34)} ${perDocument.toFixed(2)} µs/document\n`);
  return perDocument;
};

runBench(
  'bench:document-insert',
  async () => {
    process.stdout.write(`bench:document-insert — ${formatNumber(documents)} new documents, batches of ${formatNumber(BATCH)}\n`);
    const memory = await run('a. in memory (baseline)', undefined, growingId);
    const growing = await run('b. file, growing ids', join(dir, 'growing.sqlite'), growingId);
    const random = await run('c. file, random ids', join(dir, 'random.sqlite'), () => randomUUID());
    process.stdout.write(`  b ÷ a ${(growing / memory).toFixed(2)}, c ÷ a ${(random / memory).toFixed(2)}, c ÷ b ${(random / growing).toFixed(2)}\n`);
    process.stdout.write(`  three documents per event (a rebuild of the network's read models) at c: ≤ ${formatNumber(1e6 / (3 * random))} events/s on one core\n`);
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);
