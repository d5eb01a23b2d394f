import { randomUUID } from 'node:crypto';
import { IntegrationEvent, Topics } from '@oriental/contracts';
import { createReadStore, DocumentWrite, ReadStore } from '@oriental/read-store';
import { loadReferenceData } from '@oriental/reference-data';
import { describeWithInfra } from '@oriental/testing';
import { NetworkReportProjection } from '../src/network-report/network-report.projection';
import { networkReportOf } from '../src/network-report/network-report.query';
import { aJourney } from './journey-events';
import { ofTopic, publishedEventsOf } from './published-events';

const referenceData = loadReferenceData();

/** Twelve cases over three months, four cells and the three categories, some back later, one transferred. */
const scenario = () =>
  Array.from({ length: 12 }, (_, i) => {
    const journey = aJourney().registered(`2026-0${1 + (i % 3)}-${String(10 + i).padStart(2, '0')}T09:00:00.000Z`, {
      cellId: ['oujda', 'nador', 'berkane', 'figuig'][i % 4],
      category: (['mre', 'returnee', 'rpt'] as const)[i % 3],
    });
    if (i % 2 === 0) journey.needsAssessed(`2026-04-0${1 + (i % 5)}T09:00:00.000Z`, [{ code: 'health', priority: 'high' }]);
    if (i === 5) journey.transferred('2026-04-20T09:00:00.000Z', '2026-04-21T09:00:00.000Z', 'guercif');
    return journey;
  });

/**
 * A read store that writes a batch one write at a time, as MongoDB does (ReadStore.writeBatch),
 * and can die once between two kinds of write: after the first writes of one collection, before
 * the first of another, as a consumer killed between writing its counters and its documents
 * (whichever it writes first).
 */
const writtenOneByOne = (inner: ReadStore) => {
  let dying = false;
  let first: string | undefined;
  const store: ReadStore = {
    kind: 'mongodb',
    collection: (name, options) => inner.collection(name, options),
    writeBatch: async (writes: readonly DocumentWrite[]) => {
      let all = true;
      for (const write of writes) {
        first ??= write.collection;
        if (dying && write.collection !== first) {
          dying = false;
          throw new Error(`the consumer died after writing ${first}, before ${write.collection}`);
        }
        all = (await inner.writeBatch([write])) && all;
      }
      return all;
    },
    health: () => inner.health(),
    close: () => inner.close(),
  };
  return {
    store,
    dieBetweenTheWrites: () => {
      dying = true;
      first = undefined;
    },
  };
};

describe('dated counters', () => {
  let events: IntegrationEvent[];
  let expected: unknown;
  const report = async (projection: NetworkReportProjection) => ({
    all: networkReportOf(await projection.counts(), { period: {}, audience: 'internal', format: 'json' }, referenceData),
    february: networkReportOf(await projection.counts({ from: '2026-02-01', to: '2026-02-28' }), { period: {}, audience: 'internal', format: 'json' }, referenceData),
    april: networkReportOf(await projection.counts({ from: '2026-04-02', to: '2026-04-30' }), { period: {}, audience: 'internal', format: 'json' }, referenceData),
  });

  beforeAll(async () => {
    events = ofTopic(await publishedEventsOf(...scenario()), Topics.intake);
    const store = await createReadStore({ kind: 'memory' });
    const projection = new NetworkReportProjection(store);
    await projection.applyBatch(Topics.intake, events);
    expected = await report(projection);
    await store.close();
  });

  it('count once on a store that writes one by one, when a consumer dies between writing the counters and the documents', async () => {
    const inner = await createReadStore({ kind: 'memory' });
    const { store, dieBetweenTheWrites } = writtenOneByOne(inner);
    const projection = new NetworkReportProjection(store);
    for (let start = 0; start < events.length; start += 5) {
      const batch = events.slice(start, start + 5);
      dieBetweenTheWrites();
      await expect(projection.applyBatch('p0', batch)).rejects.toThrow('died');
      // Redelivered: the documents are written, the counters that hold the batch count nothing.
      await projection.applyBatch('p0', batch);
    }
    expect(await report(projection)).toEqual(expected);
    await store.close();
  });

  describeWithInfra('mongodb', 'on MongoDB', (uri) => {
    let store: ReadStore;

    beforeEach(async () => {
      store = await createReadStore({ kind: 'mongodb', uri, dbName: `reporting-dated-counts-${randomUUID()}` });
    });

    afterEach(() => store.close());

    it('give what the embedded store gives, delivered twice, in batches that straddle the redelivery, on two lanes', async () => {
      const projection = new NetworkReportProjection(store);
      const twice = [...events, ...events];
      for (let start = 0; start < twice.length; start += 7) await projection.applyBatch('p0', twice.slice(start, start + 7));
      for (const event of [...events].reverse()) await projection.applyBatch('p1', [event]);
      expect(await report(projection)).toEqual(expected);
    });
  });
});
