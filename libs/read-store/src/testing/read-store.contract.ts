import { randomUUID } from 'node:crypto';
import { applyBatch, DocumentProjection, LaneCounts, ProjectionCheckpoints, rebuildProjection, SourcedEvent, sumLaneCounts } from '../projection';
import { InvalidQueryError } from '../read-store.errors';
import type { CollectionOptions, DocumentCollection, DocumentWrite, Filter, ReadStore, VersionedDocument } from '../read-store.port';

export interface ReadStoreUnderTest {
  store: ReadStore;
  /** Removes what the suite wrote (on a shared server) and closes the store. */
  cleanup(): Promise<void>;
  /**
   * What a writeBatch that answers false leaves behind, as the port documents it:
   * 'all-or-nothing' (embedded: nothing written), or 'first-then-rest' (MongoDB: the first
   * write alone, then the others, each applied or not on its own).
   */
  batches: 'all-or-nothing' | 'first-then-rest';
}

/** A read model the suite writes: a case a reception cell follows. */
interface CaseSummary {
  status?: string | null;
  cellId?: string;
  priority?: number;
  urgent?: boolean;
}

/** A read model built by a projection: which events it has seen. */
interface Tally {
  total: number;
  events: string[];
}

const countEvent =
  (eventId: string) =>
  (current: Tally | null): Tally => ({
    total: (current?.total ?? 0) + 1,
    events: [...(current?.events ?? []), eventId],
  });

const idsOf = (documents: { id: string }[]): string[] => documents.map((document) => document.id);

const byId = <T>(documents: VersionedDocument<T>[]): VersionedDocument<T>[] => [...documents].sort((a, b) => a.id.localeCompare(b.id));

/** A field name a JSON path or a SQL text would have to quote: spaces, quotes, a backslash, brackets. */
const ODD_FIELD = `it's "odd" \\ [0]`;

/**
 * One value per type a filter may name, and values that a loose comparison would confuse
 * with them: true and 1, false and 0, "1" and 1, "true" and true, null and missing.
 */
const typedSeed: Record<string, Record<string, unknown>> = {
  't-true': { flag: true },
  't-one': { flag: 1 },
  't-one-text': { flag: '1' },
  't-true-text': { flag: 'true' },
  't-false': { flag: false },
  't-zero': { flag: 0 },
  't-null': { flag: null },
  't-missing': {},
  't-odd': { flag: 2.5, [ODD_FIELD]: 'yes' },
};

/**
 * The behaviour every ReadStore adapter must have, as one jest suite: call it from each
 * adapter's spec with a factory that opens a store. Collection and projection names are
 * unique to the run, so the suite can share a server with other runs.
 */
export const readStoreContract = (name: string, factory: () => Promise<ReadStoreUnderTest>): void => {
  describe(`${name} read store contract`, () => {
    const run = `rs_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;
    let underTest: ReadStoreUnderTest;
    let store: ReadStore;
    let collections = 0;
    /** A collection no other test touches. */
    const freshCollection = <T extends object>(label = 'docs', options?: CollectionOptions<T>): DocumentCollection<T> =>
      store.collection<T>(`${run}_${label}_${++collections}`, options);

    beforeAll(async () => {
      underTest = await factory();
      store = underTest.store;
    });
    afterAll(async () => {
      await underTest?.cleanup();
    });

    describe('write', () => {
      describe('given no document', () => {
        it('when written with expectedVersion 0, then it is created at version 1', async () => {
          const cases = freshCollection<CaseSummary>();

          const written = await cases.write('case-1', { status: 'open' }, { expectedVersion: 0 });

          expect(written).toBe(true);
          expect(await cases.get('case-1')).toEqual({ id: 'case-1', version: 1, checkpoint: {}, data: { status: 'open' } });
        });

        it('when written with an expectedVersion above 0, then nothing is written', async () => {
          const cases = freshCollection<CaseSummary>();

          expect(await cases.write('case-1', { status: 'open' }, { expectedVersion: 1 })).toBe(false);

          expect(await cases.get('case-1')).toBeNull();
        });

        it('when read, then it is null', async () => {
          expect(await freshCollection().get('unknown')).toBeNull();
        });

        it('when many writers race to create it, then exactly one wins', async () => {
          const cases = freshCollection<CaseSummary>();

          const outcomes = await Promise.all(
            Array.from({ length: 10 }, (_, writer) => cases.write('case-1', { cellId: `cell-${writer}` }, { expectedVersion: 0 })),
          );

          expect(outcomes.filter(Boolean)).toHaveLength(1);
          const winner = outcomes.indexOf(true);
          expect(await cases.get('case-1')).toMatchObject({ version: 1, data: { cellId: `cell-${winner}` } });
        });
      });

      describe('given a document at version 1', () => {
        const givenCase = async (): Promise<DocumentCollection<CaseSummary>> => {
          const cases = freshCollection<CaseSummary>();
          await cases.write('case-1', { status: 'open' }, { expectedVersion: 0, checkpoint: { 'intake-1': 0 } });
          return cases;
        };

        it('when created again, then the write is refused and the document is unchanged', async () => {
          const cases = await givenCase();

          expect(await cases.write('case-1', { status: 'closed' }, { expectedVersion: 0 })).toBe(false);

          expect(await cases.get('case-1')).toEqual({ id: 'case-1', version: 1, checkpoint: { 'intake-1': 0 }, data: { status: 'open' } });
        });

        it('when written with expectedVersion 1, then it holds the new data at version 2', async () => {
          const cases = await givenCase();

          expect(await cases.write('case-1', { status: 'referred' }, { expectedVersion: 1 })).toBe(true);

          expect(await cases.get('case-1')).toMatchObject({ version: 2, data: { status: 'referred' } });
        });

        it('when written with a stale expectedVersion, then the write is refused and nothing changes', async () => {
          const cases = await givenCase();
          await cases.write('case-1', { status: 'referred' }, { expectedVersion: 1 });

          expect(await cases.write('case-1', { status: 'closed' }, { expectedVersion: 1 })).toBe(false);

          expect(await cases.get('case-1')).toMatchObject({ version: 2, data: { status: 'referred' } });
        });

        it('when many writers race with the same expectedVersion, then exactly one wins', async () => {
          const cases = await givenCase();

          const outcomes = await Promise.all(
            Array.from({ length: 10 }, (_, writer) => cases.write('case-1', { status: `status-${writer}` }, { expectedVersion: 1 })),
          );

          expect(outcomes.filter(Boolean)).toHaveLength(1);
          const winner = outcomes.indexOf(true);
          expect(await cases.get('case-1')).toMatchObject({ version: 2, data: { status: `status-${winner}` } });
        });

        it('when written with a checkpoint, then the checkpoint is stored with the document', async () => {
          const cases = await givenCase();

          await cases.write('case-1', { status: 'referred' }, { expectedVersion: 1, checkpoint: { 'intake-1': 0, 'referral-7': 3 } });

          expect(await cases.get('case-1')).toEqual({
            id: 'case-1',
            version: 2,
            checkpoint: { 'intake-1': 0, 'referral-7': 3 },
            data: { status: 'referred' },
          });
        });

        it('when written without a checkpoint, then the stored checkpoint is kept', async () => {
          const cases = await givenCase();

          await cases.write('case-1', { status: 'referred' }, { expectedVersion: 1 });

          expect(await cases.get('case-1')).toMatchObject({ version: 2, checkpoint: { 'intake-1': 0 } });
        });

        it('when a reader changes what it read, then the stored document is unchanged', async () => {
          const cases = await givenCase();

          const read = (await cases.get('case-1'))!;
          read.data.status = 'tampered';
          read.checkpoint['intake-1'] = 99;
          const [found] = await cases.find();
          found!.data.status = 'tampered';

          expect(await cases.get('case-1')).toMatchObject({ checkpoint: { 'intake-1': 0 }, data: { status: 'open' } });
        });
      });
    });

    describe.each<[string, CollectionOptions<CaseSummary>]>([
      ['without indexes', {}],
      ['with the filtered fields indexed', { indexes: ['status', 'cellId', 'priority', 'urgent'] }],
    ])('queries, %s', (_, options) => {
      const givenCases = async (): Promise<DocumentCollection<CaseSummary>> => {
        const cases = freshCollection<CaseSummary>('cases', options);
        const seed: Record<string, CaseSummary> = {
          'case-a': { status: 'open', cellId: 'oujda', priority: 1, urgent: true },
          'case-b': { status: 'closed', cellId: 'oujda', priority: 2, urgent: false },
          'case-c': { status: 'open', cellId: 'nador', priority: 1, urgent: false },
          'case-d': { status: null, cellId: 'nador', priority: 3 },
          'case-e': { cellId: 'oujda' },
        };
        for (const [id, data] of Object.entries(seed)) await cases.write(id, data, { expectedVersion: 0 });
        return cases;
      };
      it('given no filter, when finding, then every document is found, ordered by id', async () => {
        const cases = await givenCases();

        expect(idsOf(await cases.find())).toEqual(['case-a', 'case-b', 'case-c', 'case-d', 'case-e']);
      });

      it.each<[string, Filter, string[]]>([
        ['one field', { status: 'open' }, ['case-a', 'case-c']],
        ['two fields', { status: 'open', cellId: 'nador' }, ['case-c']],
        ['a number', { priority: 1 }, ['case-a', 'case-c']],
        ['a boolean', { urgent: false }, ['case-b', 'case-c']],
        ['null, which matches missing fields too', { status: null }, ['case-d', 'case-e']],
        ['a value nobody has', { status: 'archived' }, []],
      ])('given a filter on %s, when finding, then only matching documents are found', async (_, filter, expected) => {
        const cases = await givenCases();

        expect(idsOf(await cases.find(filter))).toEqual(expected);
        expect(await cases.findIds(filter)).toEqual(expected);
        expect(await cases.count(filter)).toBe(expected.length);
      });

      it('given a limit, when finding, then the first documents by id are found', async () => {
        const cases = await givenCases();

        expect(idsOf(await cases.find({ cellId: 'oujda' }, { limit: 2 }))).toEqual(['case-a', 'case-b']);
        expect(await cases.findIds({ cellId: 'oujda' }, { limit: 2 })).toEqual(['case-a', 'case-b']);
        // The next page starts after the last id of the previous one.
        expect(idsOf(await cases.find({ cellId: 'oujda' }, { limit: 2, afterId: 'case-b' }))).toEqual(['case-e']);
        expect(idsOf(await cases.find(undefined, { limit: 2, afterId: 'case-c' }))).toEqual(['case-d', 'case-e']);
        expect(await cases.find(undefined, { afterId: 'case-e' })).toEqual([]);
        expect(idsOf(await cases.find(undefined, { limit: 10 }))).toHaveLength(5);
      });

      it('when finding, then each document comes with its version and checkpoint', async () => {
        const cases = freshCollection<CaseSummary>();
        await cases.write('case-1', { status: 'open' }, { expectedVersion: 0, checkpoint: { 'intake-1': 4 } });

        expect(await cases.find({ status: 'open' })).toEqual([
          { id: 'case-1', version: 1, checkpoint: { 'intake-1': 4 }, data: { status: 'open' } },
        ]);
      });

      it('when counting, then every document counts', async () => {
        const cases = await givenCases();

        expect(await cases.count()).toBe(5);
      });

      it('when counting by a field, then missing and null values count as "unknown"', async () => {
        const cases = await givenCases();

        expect(await cases.countBy('status')).toEqual({ open: 2, closed: 1, unknown: 2 });
        expect(await cases.countBy('priority')).toEqual({ '1': 2, '2': 1, '3': 1, unknown: 1 });
      });

      it('given a filter, when counting by a field, then only matching documents count', async () => {
        const cases = await givenCases();

        expect(await cases.countBy('status', { cellId: 'oujda' })).toEqual({ open: 1, closed: 1, unknown: 1 });
      });

      it('given an empty collection, then nothing is found or counted', async () => {
        const cases = freshCollection<CaseSummary>();

        expect(await cases.find()).toEqual([]);
        expect(await cases.count()).toBe(0);
        expect(await cases.countBy('status')).toEqual({});
      });

      it.each<[string, (cases: DocumentCollection<CaseSummary>) => Promise<unknown>]>([
        ['an operator as a filter field', (cases) => cases.find({ $where: 'sleep(1000)' })],
        ['a dotted filter field', (cases) => cases.count({ 'cellId.length': 5 })],
        ['an operator object as a filter value', (cases) => cases.find({ status: { $ne: null } } as unknown as Filter)],
        ['an operator as a countBy field', (cases) => cases.countBy('$status' as keyof CaseSummary & string)],
        ['a dotted countBy field', (cases) => cases.countBy('status.x' as keyof CaseSummary & string)],
        ['a limit that is not a positive integer', (cases) => cases.find({}, { limit: -1 })],
      ])('when a query carries %s, then it is rejected', async (_, query) => {
        const cases = await givenCases();

        await expect(query(cases)).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it.each<[string, Filter, string[]]>([
        ['true, not 1 nor "true"', { flag: true }, ['t-true']],
        ['1, not true nor "1"', { flag: 1 }, ['t-one']],
        ['"1", not 1', { flag: '1' }, ['t-one-text']],
        ['"true", not true', { flag: 'true' }, ['t-true-text']],
        ['false, not 0', { flag: false }, ['t-false']],
        ['0, not false', { flag: 0 }, ['t-zero']],
        ['null, which matches a missing field too', { flag: null }, ['t-missing', 't-null']],
        ['a fraction', { flag: 2.5 }, ['t-odd']],
        ['a field name with spaces, quotes, a backslash and brackets', { [ODD_FIELD]: 'yes' }, ['t-odd']],
      ])('given values of every type, when filtering on %s, then only that value matches', async (_, filter, expected) => {
        const typed = freshCollection<Record<string, unknown>>('typed', options.indexes ? { indexes: ['flag', ODD_FIELD] } : {});
        for (const [id, data] of Object.entries(typedSeed)) await typed.write(id, data, { expectedVersion: 0 });

        expect(idsOf(await typed.find(filter))).toEqual(expected);
        expect(await typed.count(filter)).toBe(expected.length);
      });

      it('given values of every type, when counting by the field, then each value has its bucket, named by its text', async () => {
        const typed = freshCollection<Record<string, unknown>>('typed', options.indexes ? { indexes: ['flag', ODD_FIELD] } : {});
        for (const [id, data] of Object.entries(typedSeed)) await typed.write(id, data, { expectedVersion: 0 });

        // bucketName names true and "true" alike, and 1 and "1": they share a bucket.
        expect(await typed.countBy('flag')).toEqual({ true: 2, '1': 2, false: 1, '0': 1, '2.5': 1, unknown: 2 });
        expect(await typed.countBy(ODD_FIELD)).toEqual({ yes: 1, unknown: 8 });
        expect(await typed.countBy('flag', { [ODD_FIELD]: null })).toEqual({ true: 2, '1': 2, false: 1, '0': 1, unknown: 2 });
      });

      it('given a document rewritten, when querying, then only its new values match', async () => {
        const cases = await givenCases();
        await cases.write('case-a', { status: 'closed', cellId: 'nador', priority: 1, urgent: true }, { expectedVersion: 1 });
        await cases.delete('case-b');

        expect(idsOf(await cases.find({ status: 'open' }))).toEqual(['case-c']);
        expect(idsOf(await cases.find({ cellId: 'nador' }))).toEqual(['case-a', 'case-c', 'case-d']);
        expect(await cases.countBy('status')).toEqual({ open: 1, closed: 1, unknown: 2 });
      });

      it('when a collection name is not an identifier, then it is rejected', () => {
        expect(() => store.collection('$cmd')).toThrow(InvalidQueryError);
        expect(() => store.collection('cases.system')).toThrow(InvalidQueryError);
      });
    });

    describe('getMany', () => {
      const givenCases = async (): Promise<DocumentCollection<CaseSummary>> => {
        const cases = freshCollection<CaseSummary>();
        await cases.write('case-1', { status: 'open' }, { expectedVersion: 0, checkpoint: { 'intake-1': 0 } });
        await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });
        await cases.write('case-2', { status: 'referred' }, { expectedVersion: 1 });
        await cases.write('case-3', { status: 'closed' }, { expectedVersion: 0 });
        return cases;
      };

      it('given ids that exist and ids that do not, then the documents that exist come, each as get reads it', async () => {
        const cases = await givenCases();

        const found = await cases.getMany(['case-2', 'unknown', 'case-1']);

        expect(byId(found)).toEqual([
          { id: 'case-1', version: 1, checkpoint: { 'intake-1': 0 }, data: { status: 'open' } },
          { id: 'case-2', version: 2, checkpoint: {}, data: { status: 'referred' } },
        ]);
      });

      it('given an id asked twice, then its document comes once', async () => {
        const cases = await givenCases();

        expect(idsOf(byId(await cases.getMany(['case-3', 'case-1', 'case-3'])))).toEqual(['case-1', 'case-3']);
      });

      it('given no ids, then nothing comes', async () => {
        const cases = await givenCases();

        expect(await cases.getMany([])).toEqual([]);
      });

      it('given the same id in another collection, then only this collection answers', async () => {
        const cases = await givenCases();
        const others = freshCollection<CaseSummary>();
        await others.write('case-9', { status: 'open' }, { expectedVersion: 0 });

        expect(await cases.getMany(['case-9'])).toEqual([]);
        expect(idsOf(await others.getMany(['case-1', 'case-9']))).toEqual(['case-9']);
      });

      it('given an id that is not a non-empty string, then it is rejected', async () => {
        const cases = await givenCases();

        await expect(cases.getMany(['case-1', ''])).rejects.toBeInstanceOf(InvalidQueryError);
      });
    });

    describe('writeBatch', () => {
      interface Counter {
        count: number;
      }
      /** A counter and two cases, as a projection keeps an aggregate beside its documents. */
      const given = async () => {
        const counters = freshCollection<Counter>('counters');
        const cases = freshCollection<CaseSummary>('cases');
        await counters.write('cases', { count: 2 }, { expectedVersion: 0, checkpoint: { position: 2 } });
        await cases.write('case-1', { status: 'open' }, { expectedVersion: 0, checkpoint: { 'intake-1': 0 } });
        await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });
        const write = (
          collection: DocumentCollection<object>,
          id: string,
          data: object,
          expectedVersion: number,
          checkpoint?: Record<string, number>,
        ): DocumentWrite => ({
          collection: collection.name,
          id,
          data,
          expectedVersion,
          ...(checkpoint ? { checkpoint } : {}),
        });
        /** What a batch left in the store. */
        const state = async () => ({
          counter: await counters.get('cases'),
          cases: await cases.find(),
        });
        return { counters, cases, write, state };
      };

      it('given writes that all hold, then every one is applied and it answers true', async () => {
        const { counters, cases, write } = await given();

        const applied = await store.writeBatch([
          write(counters, 'cases', { count: 3 }, 1, { position: 5 }),
          write(cases, 'case-1', { status: 'referred' }, 1),
          write(cases, 'case-2', { status: 'closed' }, 1, { 'intake-2': 4 }),
          write(cases, 'case-3', { status: 'open' }, 0, { 'intake-3': 0 }),
        ]);

        expect(applied).toBe(true);
        expect(await counters.get('cases')).toEqual({ id: 'cases', version: 2, checkpoint: { position: 5 }, data: { count: 3 } });
        expect(await cases.find()).toEqual([
          // No checkpoint in the write: the stored one is kept.
          { id: 'case-1', version: 2, checkpoint: { 'intake-1': 0 }, data: { status: 'referred' } },
          { id: 'case-2', version: 2, checkpoint: { 'intake-2': 4 }, data: { status: 'closed' } },
          { id: 'case-3', version: 1, checkpoint: { 'intake-3': 0 }, data: { status: 'open' } },
        ]);
      });

      it('given no writes, then it answers true', async () => {
        expect(await store.writeBatch([])).toBe(true);
      });

      it.each<[string, number]>([
        ['a stale version', 2],
        ['an id already taken', 0],
      ])('given a later write with %s, then it answers false and that write is not applied', async (_, expectedVersion) => {
        const { counters, cases, write, state } = await given();
        const before = await state();

        const applied = await store.writeBatch([
          write(counters, 'cases', { count: 4 }, 1, { position: 6 }),
          write(cases, 'case-1', { status: 'referred' }, 1),
          write(cases, 'case-2', { status: 'tampered' }, expectedVersion),
          write(cases, 'case-4', { status: 'open' }, 0),
        ]);

        expect(applied).toBe(false);
        const after = await state();
        expect(after.cases.find((document) => document.id === 'case-2')).toEqual(before.cases.find((document) => document.id === 'case-2'));
        if (underTest.batches === 'all-or-nothing') {
          expect(after).toEqual(before);
        } else {
          // The first write went first and alone; the others applied or not, each on its own.
          expect(after.counter).toMatchObject({ version: 2, checkpoint: { position: 6 }, data: { count: 4 } });
          expect(idsOf(after.cases)).toEqual(['case-1', 'case-2', 'case-4']);
          expect(after.cases[0]).toMatchObject({ version: 2, data: { status: 'referred' } });
          expect(after.cases[2]).toMatchObject({ version: 1, data: { status: 'open' } });
        }
      });

      it('given a first write that does not hold, then it answers false and nothing is written', async () => {
        const { counters, cases, write, state } = await given();
        const before = await state();

        const applied = await store.writeBatch([
          write(counters, 'cases', { count: 9 }, 7),
          write(cases, 'case-1', { status: 'referred' }, 1),
          write(cases, 'case-5', { status: 'open' }, 0),
        ]);

        expect(applied).toBe(false);
        expect(await state()).toEqual(before);
      });

      it('when two batches race on the same first write, then exactly one is applied and the other writes nothing', async () => {
        const { counters, cases, write } = await given();
        const batchOf = (writer: string): DocumentWrite[] => [
          write(counters, 'cases', { count: 3 }, 1, { position: 3 }),
          write(cases, `case-${writer}`, { status: 'open', cellId: writer }, 0),
        ];

        const outcomes = await Promise.all([store.writeBatch(batchOf('a')), store.writeBatch(batchOf('b'))]);

        expect(outcomes.filter(Boolean)).toHaveLength(1);
        const winner = outcomes[0] ? 'a' : 'b';
        expect(idsOf(await cases.find())).toEqual(['case-1', 'case-2', `case-${winner}`]);
        expect(await counters.get('cases')).toMatchObject({ version: 2 });
      });

      it.each<[string, Partial<DocumentWrite>, new (...args: never[]) => Error]>([
        ['a collection name that is not an identifier', { collection: '$cmd' }, InvalidQueryError],
        ['an empty id', { id: '' }, InvalidQueryError],
        ['a negative expectedVersion', { expectedVersion: -1 }, RangeError],
      ])('given a write with %s, then the batch is rejected and nothing is written', async (_, invalid, errorType) => {
        const { counters, cases, write, state } = await given();
        const before = await state();

        const writing = store.writeBatch([
          write(counters, 'cases', { count: 3 }, 1),
          write(cases, 'case-1', { status: 'referred' }, 1),
          { ...write(cases, 'case-6', { status: 'open' }, 0), ...invalid },
        ]);

        await expect(writing).rejects.toBeInstanceOf(errorType);
        expect(await state()).toEqual(before);
      });
    });

    describe('delete and drop', () => {
      it('given a document, when deleted, then it is gone and its id can be created again', async () => {
        const cases = freshCollection<CaseSummary>();
        await cases.write('case-1', { status: 'open' }, { expectedVersion: 0 });
        await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });

        await cases.delete('case-1');

        expect(await cases.get('case-1')).toBeNull();
        expect(idsOf(await cases.find())).toEqual(['case-2']);
        expect(await cases.write('case-1', { status: 'closed' }, { expectedVersion: 0 })).toBe(true);
      });

      it('when deleting an unknown document, then nothing happens', async () => {
        await expect(freshCollection().delete('unknown')).resolves.toBeUndefined();
      });

      it('given documents in two collections, when one is dropped, then only its documents are gone', async () => {
        const cases = freshCollection<CaseSummary>();
        const others = freshCollection<CaseSummary>();
        await cases.write('case-1', { status: 'open' }, { expectedVersion: 0 });
        await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });
        await others.write('case-1', { status: 'closed' }, { expectedVersion: 0 });

        await cases.drop();

        expect(await cases.count()).toBe(0);
        expect(await others.get('case-1')).toMatchObject({ data: { status: 'closed' } });
        expect(await cases.write('case-1', { status: 'open' }, { expectedVersion: 0 })).toBe(true);
      });
    });

    it('given the same id in two collections, then they are separate documents', async () => {
      const cases = freshCollection<CaseSummary>('cases');
      const referrals = freshCollection<CaseSummary>('referrals');

      await cases.write('shared-id', { status: 'open' }, { expectedVersion: 0 });
      await referrals.write('shared-id', { status: 'sent' }, { expectedVersion: 0 });
      await referrals.write('shared-id', { status: 'accepted' }, { expectedVersion: 1 });

      expect(await cases.get('shared-id')).toMatchObject({ version: 1, data: { status: 'open' } });
      expect(await referrals.get('shared-id')).toMatchObject({ version: 2, data: { status: 'accepted' } });
    });

    it('when asked for its health, then it is up', async () => {
      expect(await store.health()).toMatchObject({ status: 'up', kind: store.kind });
    });

    describe('applyBatch', () => {
      /** An event of a case a cell follows; each counts once in its cell's tally. */
      interface CaseEvent extends SourcedEvent {
        cellId: string;
      }
      let position = 0;
      const caseEvent = (stream: string, revision: number, cellId = 'oujda'): CaseEvent => ({
        cellId,
        source: { stream, revision, position: String(++position) },
      });
      /** Tallies per cell, counted by cell. */
      const talliesOf = (target: ReadStore): DocumentProjection<CaseEvent, Tally> & { counters: { collection: DocumentCollection<LaneCounts> } } => {
        const label = `${run}_batch_${++collections}`;
        return {
          documents: target.collection<Tally>(`${label}_tallies`),
          documentId: (event) => `cell-${event.cellId}`,
          evolve: (current, event) => countEvent(`${event.source.stream}@${event.source.revision}`)(current),
          counters: { collection: target.collection<LaneCounts>(`${label}_counts`), countAs: () => ['documents'] },
        };
      };

      it('when the same batch is delivered three times, then each event is applied once', async () => {
        const projection = talliesOf(store);
        const batch = [caseEvent('case-1', 0), caseEvent('case-2', 0, 'nador'), caseEvent('case-1', 1)];

        const outcomes = [];
        for (let delivery = 0; delivery < 3; delivery++) outcomes.push(await applyBatch(store, projection, 'lane-0', batch));

        expect(outcomes).toEqual([{ applied: 3 }, { applied: 0 }, { applied: 0 }]);
        expect(await projection.documents.get('cell-oujda')).toMatchObject({ version: 1, checkpoint: { 'case-1': 1 }, data: { total: 2 } });
        expect(await sumLaneCounts(projection.counters.collection)).toEqual({ documents: 2 });
      });

      it('given a newer revision applied, when an older one arrives, then it is skipped', async () => {
        const projection = talliesOf(store);
        const [first, , third] = [caseEvent('case-1', 0), caseEvent('case-1', 1), caseEvent('case-1', 2)];
        await applyBatch(store, projection, 'lane-0', [first!, third!]);

        const outcome = await applyBatch(store, projection, 'lane-1', [caseEvent('case-1', 1)]);

        expect(outcome).toEqual({ applied: 0 });
        expect(await projection.documents.get('cell-oujda')).toMatchObject({ checkpoint: { 'case-1': 2 }, data: { total: 2, events: ['case-1@0', 'case-1@2'] } });
      });

      it('given a crash between the lane counter and the documents (MongoDB has no transaction), when redelivered, then nothing is counted twice', async () => {
        const projection = talliesOf(store);
        const batch = [caseEvent('case-1', 0), caseEvent('case-2', 0, 'nador')];
        const crashing = Object.assign(Object.create(store) as ReadStore, {
          writeBatch: async (writes: readonly DocumentWrite[]) => {
            await store.writeBatch(writes.slice(0, 1));
            throw new Error('process killed');
          },
        });
        await expect(applyBatch(crashing, projection, 'lane-0', batch)).rejects.toThrow('process killed');

        await applyBatch(store, projection, 'lane-0', [...batch, caseEvent('case-3', 0, 'figuig')]);

        expect(await sumLaneCounts(projection.counters.collection)).toEqual({ documents: 3 });
        expect(await projection.documents.get('cell-nador')).toMatchObject({ data: { total: 1 } });
      });

      it('when 10 lanes race, each on its own documents (as Kafka partitions are), then every event is applied and counted exactly once', async () => {
        const projection = talliesOf(store);
        const lanes = Array.from({ length: 10 }, (_, lane) => [caseEvent(`case-${lane}a`, 0, `cell-${lane}`), caseEvent(`case-${lane}b`, 0, `cell-${lane}`)]);
        const deliverAll = () => Promise.all(lanes.map((batch, lane) => applyBatch(store, projection, `lane-${lane}`, batch)));

        const first = await deliverAll();
        const again = await deliverAll();

        expect(first.every(({ applied }) => applied === 2)).toBe(true);
        expect(again.every(({ applied }) => applied === 0)).toBe(true);
        expect((await projection.documents.get('cell-cell-3'))?.data.total).toBe(2);
        expect(await sumLaneCounts(projection.counters.collection)).toEqual({ documents: 10 });
      }, 30_000);

      it('when 10 lanes race to change one document, then each event is applied exactly once, and counted once where batches are all or nothing', async () => {
        const projection = talliesOf(store);
        const lanes = Array.from({ length: 10 }, (_, lane) => [caseEvent(`case-${lane}a`, 0), caseEvent(`case-${lane}b`, 0)]);
        const deliverAll = () => Promise.all(lanes.map((batch, lane) => applyBatch(store, projection, `lane-${lane}`, batch, { maxRetries: 50 })));

        const first = await deliverAll();
        const again = await deliverAll();

        expect(first.every(({ applied }) => applied === 2)).toBe(true);
        expect(again.every(({ applied }) => applied === 0)).toBe(true);
        const tally = (await projection.documents.get('cell-oujda'))!;
        expect(tally.data.total).toBe(20);
        expect(Object.keys(tally.checkpoint)).toHaveLength(20);
        // Without transactions, a lane counts from the document it read, which another lane may
        // change before the lane's documents are written: documents must be keyed so that one
        // lane writes each (ADR 8), and only then are counts exact on MongoDB.
        if (underTest.batches === 'all-or-nothing') expect(await sumLaneCounts(projection.counters.collection)).toEqual({ documents: 1 });
      }, 30_000);
    });

    describe('ProjectionCheckpoints', () => {
      it('given nothing saved, when loaded, then there is no position', async () => {
        expect(await new ProjectionCheckpoints(store).load(`${run}-never-saved`)).toBeUndefined();
      });

      it('when saved twice, then the last position loads, per projection', async () => {
        const checkpoints = new ProjectionCheckpoints(store);

        await checkpoints.save(`${run}-cases`, '10');
        await checkpoints.save(`${run}-cases`, '42');
        await checkpoints.save(`${run}-referrals`, '7');

        expect(await checkpoints.load(`${run}-cases`)).toBe('42');
        expect(await checkpoints.load(`${run}-referrals`)).toBe('7');
      });

      it('given a saved position, when reset, then there is none', async () => {
        const checkpoints = new ProjectionCheckpoints(store);
        await checkpoints.save(`${run}-reset`, '10');

        await checkpoints.reset(`${run}-reset`);

        expect(await checkpoints.load(`${run}-reset`)).toBeUndefined();
      });
    });

    describe('rebuildProjection', () => {
      interface LoggedEvent {
        position: string;
        stream: string;
        revision: number;
        cellId: string;
      }
      /** The global log, as an event store's readAll would page it. */
      const log: LoggedEvent[] = Array.from({ length: 7 }, (_, index) => ({
        position: String(index + 1).padStart(4, '0'),
        stream: `case-${index % 3}`,
        revision: Math.floor(index / 3),
        cellId: index % 2 === 0 ? 'oujda' : 'nador',
      }));
      const readAll = async (events: LoggedEvent[], after: string | undefined, maxCount: number) => {
        const start = after === undefined ? 0 : events.findIndex((event) => event.position === after) + 1;
        const page = events.slice(start, start + maxCount);
        return { events: page, checkpoint: page[page.length - 1]?.position ?? after, endOfLog: start + maxCount >= events.length };
      };

      it('given a stale read model, when rebuilt, then it holds exactly what the log replays', async () => {
        const tallies = freshCollection<Tally>('tallies');
        const checkpoints = new ProjectionCheckpoints(store);
        const projection = `${run}-tallies`;
        await tallies.write('cell-stale', { total: 99, events: [] }, { expectedVersion: 0 });
        await checkpoints.save(projection, '0099');
        const progress: number[] = [];
        const replayed: DocumentProjection<LoggedEvent & SourcedEvent, Tally> = {
          documents: tallies,
          documentId: (event) => `cell-${event.cellId}`,
          evolve: (current, event) => countEvent(event.position)(current),
        };

        const result = await rebuildProjection({
          name: projection,
          checkpoints,
          collections: [tallies],
          readAll: (after, maxCount) => readAll(log, after, maxCount),
          applyBatch: (events) => applyBatch(store, replayed, 'rebuild', events.map((event) => ({ ...event, source: event }))).then(() => undefined),
          pageSize: 3,
          batchSize: 3,
          onProgress: (done) => progress.push(done),
        });

        expect(result).toEqual({ events: 7, position: '0007' });
        expect(progress).toEqual([3, 6, 7]);
        expect(await checkpoints.load(projection)).toBe('0007');
        expect(await tallies.get('cell-stale')).toBeNull();
        expect(await tallies.countBy('total')).toEqual({ '4': 1, '3': 1 });
        expect(await tallies.get('cell-oujda')).toMatchObject({ data: { events: ['0001', '0003', '0005', '0007'] } });
      });

      it('given an empty log, when rebuilt, then the read model is empty and has no checkpoint', async () => {
        const tallies = freshCollection<Tally>('tallies');
        const checkpoints = new ProjectionCheckpoints(store);
        const projection = `${run}-empty`;
        await tallies.write('cell-stale', { total: 1, events: [] }, { expectedVersion: 0 });
        await checkpoints.save(projection, '0001');

        const result = await rebuildProjection({
          name: projection,
          checkpoints,
          collections: [tallies],
          readAll: (after, maxCount) => readAll([], after, maxCount),
          applyBatch: async () => undefined,
        });

        expect(result).toEqual({ events: 0, position: undefined });
        expect(await tallies.count()).toBe(0);
        expect(await checkpoints.load(projection)).toBeUndefined();
      });
    });
  });
};
