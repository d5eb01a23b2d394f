import { randomUUID } from 'node:crypto';
import { IntegrationEvent } from '@oriental/contracts';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { describeWithInfra } from '@oriental/testing';
import { ClosedCasesProjection } from './closed-cases.projection';

/** 30 days: a case closed on 2026-01-10 is due for review in 2026-02, one closed on 2026-03-05 in 2026-04. */
const SHORTEST_DAYS = 30;
const JANUARY = '2026-01-10T10:00:00.000Z';
const MARCH = '2026-03-05T10:00:00.000Z';

/**
 * The month counts `GET /retention/due` reads instead of grouping every closed case: kept in
 * step with the cases by the same batches, through closures, reopenings, erasures,
 * redeliveries, several lanes and a store written before the counts existed.
 */
const monthCountsSpec = (open: () => Promise<{ store: ReadStore; cleanup: () => Promise<void> }>) => {
  let store: ReadStore;
  let cleanup: () => Promise<void>;
  let projection: ClosedCasesProjection;
  let position = 0;
  const revisions = new Map<string, number>();

  /** The next event of a case's stream, at the next log position. */
  const event = (beneficiaryId: string, type: string, data: Record<string, unknown>): IntegrationEvent => {
    const stream = `beneficiary-${beneficiaryId}`;
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    return {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      source: { stream, revision, position: String(++position) },
      beneficiaryId,
      cellId: 'oujda',
      occurredAt: new Date().toISOString(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'agent:oujda-1',
      data: { beneficiaryId, ...data },
    };
  };
  const closed = (id: string, at = JANUARY) => event(id, 'CaseClosed', { reason: 'resolved', closedAt: at });
  const reopened = (id: string) => event(id, 'CaseReopened', { reopenedAt: MARCH });
  const erased = (id: string) => event(id, 'PersonalDataErased', { erasedAt: MARCH });

  /** The counts per month as the review reads them, and the cases it would list. */
  const counts = async (now = '2030-01-01T00:00:00Z') => Object.fromEntries(await projection.dueMonths(new Date(now)));
  const listed = async (now = '2030-01-01T00:00:00Z') => (await projection.candidates(new Date(now))).map(({ beneficiaryId }) => beneficiaryId).sort();
  /** What the cases themselves say: the counts must always equal this. */
  const countedFromCases = async () => {
    const byMonth: Record<string, number> = {};
    for (const { data } of await projection.documents.find()) if (data.reviewMonth !== null) byMonth[data.reviewMonth] = (byMonth[data.reviewMonth] ?? 0) + 1;
    return byMonth;
  };

  beforeEach(async () => {
    ({ store, cleanup } = await open());
    projection = new ClosedCasesProjection(store, SHORTEST_DAYS);
  });
  afterEach(async () => {
    for (const collection of projection.collections) await collection.drop();
    await cleanup();
  });

  it('counts each closed case under its review month, and moves the count when a case is reopened, closed again or erased', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await projection.applyBatch('lane-0', [closed(a), closed(b), closed(c, MARCH)]);
    expect(await counts()).toEqual({ '2026-02': 2, '2026-04': 1 });
    expect(await counts('2026-03-01T00:00:00Z')).toEqual({ '2026-02': 2 });

    await projection.applyBatch('lane-0', [reopened(a)]);
    expect(await counts()).toEqual({ '2026-02': 1, '2026-04': 1 });
    expect(await listed()).toEqual([b, c].sort());

    await projection.applyBatch('lane-0', [erased(b)]);
    expect(await counts()).toEqual({ '2026-04': 1 });
    expect(await listed()).toEqual([c]);

    // Closed again in March, then erased while closed: counted once under its new month, then not at all.
    await projection.applyBatch('lane-0', [closed(a, MARCH)]);
    expect(await counts()).toEqual({ '2026-04': 2 });
    await projection.applyBatch('lane-0', [erased(a), erased(c)]);
    expect(await counts()).toEqual({});
    expect(await listed()).toEqual([]);
    expect(await countedFromCases()).toEqual({});
  });

  it('counts nothing twice when a batch is delivered again, whole or in part, and nets out a case closed and reopened in one batch', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const first = [closed(a), closed(b)];
    await projection.applyBatch('lane-0', first);
    const second = [reopened(a), erased(b)];
    await projection.applyBatch('lane-0', second);
    await projection.applyBatch('lane-0', first);
    await projection.applyBatch('lane-0', [...first, ...second]);
    expect(await counts()).toEqual({});

    const c = randomUUID();
    await projection.applyBatch('lane-0', [closed(c), reopened(c), closed(c, MARCH)]);
    expect(await counts()).toEqual({ '2026-04': 1 });
    expect(await countedFromCases()).toEqual({ '2026-04': 1 });
  });

  it('adds up the lanes: a case closed on one lane and reopened on another (a rebuild, a repartition) counts for nothing', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await projection.applyBatch('rebuild', [closed(a), closed(b)]);
    await projection.applyBatch('lane-1', [reopened(a)]);
    expect(await counts()).toEqual({ '2026-02': 1 });
    // The live lane receives again what the rebuild applied: the cases hold it, nothing moves.
    await projection.applyBatch('lane-0', [closed(b)].map((again) => ({ ...again, source: { ...again.source, revision: 0 } })));
    expect(await counts()).toEqual({ '2026-02': 1 });
    expect(await countedFromCases()).toEqual({ '2026-02': 1 });
  });

  it('counts once, at the first boot, the cases of a store written before the counts existed; later events move those counts too', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await projection.applyBatch('lane-0', [closed(a), closed(b), closed(c, MARCH)]);
    // As an older version left it: the cases, no count.
    await projection.monthCounts.drop();
    expect(await listed()).toEqual([]);

    expect(await projection.countExistingCases()).toBe(3);
    expect(await projection.countExistingCases()).toBe(0);
    expect(await counts()).toEqual({ '2026-02': 2, '2026-04': 1 });

    await projection.applyBatch('lane-0', [reopened(a), erased(c)]);
    await projection.applyBatch('lane-0', [closed(b)].map((again) => ({ ...again, source: { ...again.source, revision: 0 } })));
    expect(await counts()).toEqual({ '2026-02': 1 });
    expect(await listed()).toEqual([b]);
  });

  it('leaves a mark when the store held cases but none closed, so that the next boot does not count again', async () => {
    const a = randomUUID();
    await projection.applyBatch('lane-0', [closed(a), reopened(a)]);
    await projection.monthCounts.drop();
    expect(await projection.countExistingCases()).toBe(0);
    expect((await projection.monthCounts.find()).length).toBe(1);
    expect(await counts()).toEqual({});
  });
};

describe('closed cases by review month, on the embedded read store', () => {
  monthCountsSpec(async () => {
    const store = await createReadStore({ kind: 'memory' });
    return { store, cleanup: () => store.close() };
  });
});

describeWithInfra('mongodb', 'closed cases by review month, on MongoDB', (uri) => {
  monthCountsSpec(async () => {
    const store = await createReadStore({ kind: 'mongodb', uri, dbName: `retention-counts-${process.pid}-${Date.now()}`, serverSelectionTimeoutMS: 5_000 });
    return { store, cleanup: () => store.close() };
  });
});

