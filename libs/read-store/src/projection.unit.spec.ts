import { EmbeddedReadStore } from './memory/embedded-read-store';
import {
  applyBatch,
  compareLogPositions,
  ConcurrentUpdateError,
  countExistingDocuments,
  documentPages,
  DocumentProjection,
  LaneCounts,
  ProjectionCheckpoints,
  rebuildProjection,
  SourcedEvent,
  sumLaneCounts,
} from './projection';
import type { DocumentWrite, ReadStore } from './read-store.port';

/** A case that a reception cell follows; it may move to another cell. */
type CaseEvent = SourcedEvent & { caseId: string; cellId: string };
type Case = { cellId: string; events: number };

let position = 0;
const opened = (caseId: string, cellId: string, revision = 0): CaseEvent => ({
  caseId,
  cellId,
  source: { stream: `case-${caseId}`, revision, position: String(++position) },
});

const casesOf = (store: ReadStore): DocumentProjection<CaseEvent, Case> => ({
  documents: store.collection<Case>('cases'),
  documentId: (event) => event.caseId,
  evolve: (current, event) => ({ cellId: event.cellId, events: (current?.events ?? 0) + 1 }),
  counters: { collection: store.collection<LaneCounts>('case_counts'), countAs: (document) => ['total', `cell:${document.cellId}`] },
});

const countsIn = (store: ReadStore) => sumLaneCounts(store.collection<LaneCounts>('case_counts'));

describe('applyBatch', () => {
  let store: ReadStore;
  beforeEach(() => {
    store = EmbeddedReadStore.open();
  });

  it('given new cases, when a batch applies, then each document and the counts are written together', async () => {
    const batch = [opened('a', 'oujda'), opened('b', 'nador'), opened('c', 'oujda')];

    await expect(applyBatch(store, casesOf(store), 'lane-0', batch)).resolves.toEqual({ applied: 3 });

    expect(await countsIn(store)).toEqual({ total: 3, 'cell:oujda': 2, 'cell:nador': 1 });
    expect((await store.collection<Case>('cases').get('a'))?.data).toEqual({ cellId: 'oujda', events: 1 });
  });

  it('given a batch already applied, when it is delivered again, partly or whole, then nothing changes', async () => {
    const batch = [opened('a', 'oujda'), opened('b', 'nador'), opened('c', 'oujda')];
    await applyBatch(store, casesOf(store), 'lane-0', batch.slice(0, 2));

    await applyBatch(store, casesOf(store), 'lane-0', batch);
    await applyBatch(store, casesOf(store), 'lane-0', batch);

    expect(await countsIn(store)).toEqual({ total: 3, 'cell:oujda': 2, 'cell:nador': 1 });
    expect((await store.collection<Case>('cases').get('a'))?.data.events).toBe(1);
  });

  it('given a case that moves to another cell, when applied, then it counts in its new cell only', async () => {
    await applyBatch(store, casesOf(store), 'lane-0', [opened('a', 'oujda'), opened('a', 'figuig', 1)]);

    expect(await countsIn(store)).toEqual({ total: 1, 'cell:figuig': 1 });
  });

  it('given a crash after the lane counted a batch but before its documents were written (MongoDB: no transaction), when it is redelivered, then nothing is counted twice', async () => {
    const batch = [opened('a', 'oujda'), opened('b', 'nador')];
    // Writes only the first write of the batch (the lane's counters), then dies.
    const crashing: ReadStore = {
      ...store,
      collection: (name, options) => store.collection(name, options),
      writeBatch: async (writes: readonly DocumentWrite[]) => {
        await store.writeBatch(writes.slice(0, 1));
        throw new Error('process killed');
      },
    };
    await expect(applyBatch(crashing, casesOf(crashing), 'lane-0', batch)).rejects.toThrow('process killed');
    expect(await store.collection<Case>('cases').get('a')).toBeNull();

    await applyBatch(store, casesOf(store), 'lane-0', [...batch, opened('c', 'oujda')]);

    expect(await countsIn(store)).toEqual({ total: 3, 'cell:oujda': 2, 'cell:nador': 1 });
    expect((await store.collection<Case>('cases').get('a'))?.data.events).toBe(1);
  });

  it('given events a rebuild already counted in its own lane, when a live lane delivers them again, then they are not counted twice', async () => {
    const batch = [opened('a', 'oujda'), opened('b', 'nador')];
    await applyBatch(store, casesOf(store), 'rebuild', batch);

    await applyBatch(store, casesOf(store), 'intake#0', [...batch, opened('c', 'berkane')]);

    expect(await countsIn(store)).toEqual({ total: 3, 'cell:oujda': 1, 'cell:nador': 1, 'cell:berkane': 1 });
  });

  it('given events that are not its business, when applied, then it writes nothing', async () => {
    const projection = { ...casesOf(store), documentId: () => undefined };

    await expect(applyBatch(store, projection, 'lane-0', [opened('a', 'oujda')])).resolves.toEqual({ applied: 0 });
    expect(await countsIn(store)).toEqual({});
  });

  it('given a writer that wins every compare-and-set, when applying, then it gives up after maxRetries with ConcurrentUpdateError', async () => {
    let attempts = 0;
    const contended: ReadStore = {
      ...store,
      collection: (name, options) => store.collection(name, options),
      writeBatch: async () => {
        attempts++;
        return false;
      },
    };

    const applying = applyBatch(contended, casesOf(contended), 'lane-0', [opened('a', 'oujda')], { maxRetries: 3 });

    await expect(applying).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(attempts).toBe(4);
  });
});

describe('countExistingDocuments', () => {
  it('given documents stored before counters existed, when the projection starts, then they are counted once, and neither redelivered nor new events are miscounted', async () => {
    const store = EmbeddedReadStore.open();
    const earlier = [opened('a', 'oujda'), opened('b', 'nador')];
    // What the previous version left: documents with their checkpoints, no counter.
    for (const event of earlier) {
      await store.collection<Case>('cases').write(event.caseId, { cellId: event.cellId, events: 1 }, { expectedVersion: 0, checkpoint: { [event.source.stream]: 0 } });
    }

    expect(await countExistingDocuments(casesOf(store))).toBe(2);
    expect(await countExistingDocuments(casesOf(store))).toBe(0);
    await applyBatch(store, casesOf(store), 'intake', [...earlier, opened('c', 'oujda')]);

    expect(await countsIn(store)).toEqual({ total: 3, 'cell:oujda': 2, 'cell:nador': 1 });
  });

  it('given no document, then it writes no counter', async () => {
    const store = EmbeddedReadStore.open();

    expect(await countExistingDocuments(casesOf(store))).toBe(0);
    expect(await countsIn(store)).toEqual({});
  });
});

describe('compareLogPositions', () => {
  it('orders sequence numbers and commit/prepare pairs as numbers, not text', () => {
    expect(compareLogPositions('9', '10')).toBe(-1);
    expect(compareLogPositions('10', '10')).toBe(0);
    expect(compareLogPositions('18446744073709551615/2', '18446744073709551615/10')).toBe(-1);
    expect(compareLogPositions('20/1', '3/5')).toBe(1);
  });
});

describe('rebuildProjection', () => {
  it('given a reader that neither moves on nor ends, when rebuilding, then it fails instead of looping', async () => {
    const store = EmbeddedReadStore.open();

    const rebuilding = rebuildProjection({
      name: 'stuck',
      checkpoints: new ProjectionCheckpoints(store),
      collections: [],
      readAll: async () => ({ events: [], checkpoint: '0001', endOfLog: false }),
      applyBatch: async () => undefined,
    });

    await expect(rebuilding).rejects.toThrow('did not move past');
  });
});

describe('documentPages', () => {
  it('given more documents than a page, when walking the collection, then every one comes once, in id order, a page at a time', async () => {
    const store = EmbeddedReadStore.open();
    const cases = store.collection<Case>('cases', { indexes: ['cellId'] });
    for (const id of ['e', 'a', 'd', 'b', 'c']) await cases.write(id, { cellId: id === 'c' ? 'nador' : 'oujda', events: 1 }, { expectedVersion: 0 });

    const pages: string[][] = [];
    for await (const page of documentPages(cases, undefined, 2)) pages.push(page.map(({ id }) => id));
    const oujda: string[][] = [];
    for await (const page of documentPages(cases, { cellId: 'oujda' }, 2)) oujda.push(page.map(({ id }) => id));

    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(oujda).toEqual([['a', 'b'], ['d', 'e']]);
  });
});
