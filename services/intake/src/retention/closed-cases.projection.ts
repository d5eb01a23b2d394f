import { IntakeIntegrationEvent, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { compareLogPositions, DocumentCollection, DocumentWrite, ReadStore, VersionedDocument } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/** One document per case ever closed: what the retention review needs of it. */
export interface ClosedCase {
  beneficiaryId: string;
  /** The cell that has the case (transfers move it before closure). */
  cellId: string | null;
  /** When it was closed; null once reopened. */
  closedAt: string | null;
  /** When the person's data was erased: nothing is left to review. */
  erasedAt?: string;
  /**
   * The month (YYYY-MM) its shortest retention period ends, indexed: the review reads the months
   * up to now, never the cases closed since. Null while the case is open, and once erased.
   */
  reviewMonth: string | null;
}

/**
 * How many closed cases one lane filed under one review month, and the log position of the last
 * event it counted there (a redelivered event is not counted again). Id `<month>|<lane>`: the
 * months up to now are the first ids of the collection, in order.
 */
export interface ReviewMonthCount {
  month: string;
  lane: string;
  position: string;
  count: number;
}

export const CLOSED_CASES = 'intake_closed_cases';
export const CLOSED_CASES_BY_MONTH = 'intake_closed_cases_by_month';
export const CLOSED_CASES_PROJECTION = 'intake-closed-cases';
/** The lane of the counts made from documents stored before the counts existed: no event arrives on it. */
const COUNTED_AT_UPGRADE = 'counted-at-upgrade';
/** Written by the upgrade count even when it found no closed case, so that it runs once. */
const UPGRADE_MARK = '0000-00';
const PAGE = 1_000;

type Followed = Extract<IntakeIntegrationEvent, { type: 'TransferAccepted' | 'CaseClosed' | 'CaseReopened' | 'PersonalDataErased' }>;
const FOLLOWED = new Set<string>(['TransferAccepted', 'CaseClosed', 'CaseReopened', 'PersonalDataErased'] satisfies Followed['type'][]);
const isFollowed = (event: IntegrationEvent): event is Followed => FOLLOWED.has(event.type);

const DAY_MS = 24 * 3600 * 1000;
export const addDays = (instant: string, days: number): Date => new Date(Date.parse(instant) + days * DAY_MS);
const monthOf = (date: Date): string => date.toISOString().slice(0, 7);
const countId = (month: string, lane: string): string => `${month}|${lane}`;
const appliedRevision = (checkpoint: Record<string, number>, stream: string): number => (Object.hasOwn(checkpoint, stream) ? checkpoint[stream]! : -1);
/** Whether `writeBatch` is all or nothing: the embedded store's one transaction; MongoDB applies writes one by one. */
const atomicBatches = (store: ReadStore): boolean => store.kind !== 'mongodb';
const backoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));

/**
 * Closed cases by the month their first retention period ends, fed by intake's own integration
 * events (the bus live, the store on a rebuild). `shortestRetentionDays` is read at each event:
 * after a configuration change, `npm run rebuild` files the cases under their new months.
 *
 * Beside the documents, how many cases each month holds (`intake_closed_cases_by_month`, one
 * count per month and lane, as ADR 8's lane counters), written in the same batch as the cases:
 * `GET /retention/due` reads the counts of the months up to now, then the cases of the months
 * that hold any, so it costs the months it covers and the cases due, never the closed history.
 */
export class ClosedCasesProjection implements ReadModel {
  readonly name = CLOSED_CASES_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<ClosedCase>;
  readonly monthCounts: DocumentCollection<ReviewMonthCount>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(
    readonly readStore: ReadStore,
    private readonly shortestRetentionDays: number,
  ) {
    this.documents = readStore.collection<ClosedCase>(CLOSED_CASES, { indexes: ['reviewMonth'] });
    this.monthCounts = readStore.collection<ReviewMonthCount>(CLOSED_CASES_BY_MONTH);
  }

  get collections() {
    return [this.documents, this.monthCounts];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return isFollowed(event) ? event.data.beneficiaryId : undefined;
  }

  evolve(current: ClosedCase | null, event: IntegrationEvent): ClosedCase {
    const followed = event as Followed;
    const base = current ?? { beneficiaryId: followed.data.beneficiaryId, cellId: event.cellId ?? null, closedAt: null, reviewMonth: null };
    switch (followed.type) {
      case 'TransferAccepted':
        return { ...base, cellId: followed.data.toCellId };
      case 'CaseClosed':
        return { ...base, closedAt: followed.data.closedAt, reviewMonth: base.erasedAt ? null : monthOf(addDays(followed.data.closedAt, this.shortestRetentionDays)) };
      case 'CaseReopened':
        return { ...base, closedAt: null, reviewMonth: null };
      case 'PersonalDataErased':
        return { ...base, erasedAt: followed.data.erasedAt, reviewMonth: null };
    }
  }

  /**
   * Applies a batch of one lane's events (in order) to the cases and their month counts in one
   * write, exactly once in effect however often it is delivered (as `applyBatch` of
   * libs/read-store and reporting's dated counts): a case records the last revision applied from
   * its stream, and an event it holds is neither applied nor counted again; a month count records
   * the last position it counted, so an event whose case was not written (MongoDB, a crash
   * between the counts and the cases) is counted once. Embedded: one transaction, the counts and
   * the cases; MongoDB: the counts first, then the cases. A lost compare-and-set retries the batch.
   */
  async applyBatch(lane: string, events: readonly IntegrationEvent[], { maxRetries = 10 }: { maxRetries?: number } = {}): Promise<{ applied: number }> {
    const relevant = events.flatMap((event) => {
      const id = this.documentId(event);
      return id === undefined ? [] : [{ id, event }];
    });
    if (relevant.length === 0) return { applied: 0 };
    const ids = [...new Set(relevant.map(({ id }) => id))].sort();

    for (let attempt = 0; ; attempt++) {
      const working = new Map<string, VersionedDocument<ClosedCase>>((await this.documents.getMany(ids)).map((document) => [document.id, document]));
      const changed = new Set<string>();
      /** Each event that moves a case between months: -1 where it was, +1 where it goes. */
      const moves: { position: string; from: string | null; to: string | null }[] = [];
      let applied = 0;
      for (const { id, event } of relevant) {
        const current = working.get(id);
        const { stream, revision, position } = event.source;
        if (current !== undefined && appliedRevision(current.checkpoint, stream) >= revision) continue;
        const next = this.evolve(current ? current.data : null, event);
        const from = current?.data.reviewMonth ?? null;
        if (from !== next.reviewMonth) moves.push({ position, from, to: next.reviewMonth });
        working.set(id, { id, version: current?.version ?? 0, checkpoint: { ...current?.checkpoint, [stream]: revision }, data: next });
        changed.add(id);
        applied++;
      }
      if (changed.size === 0) return { applied };

      const months = [...new Set(moves.flatMap(({ from, to }) => [from, to]).filter((month): month is string => month !== null))];
      const held = new Map((await this.monthCounts.getMany(months.map((month) => countId(month, lane)))).map((document) => [document.data.month, document]));
      const tallies = new Map<string, ReviewMonthCount>();
      const tally = (month: string, position: string, n: number) => {
        const stored = held.get(month)?.data;
        // A month counts an event of its lane once: those after the last position it stored.
        if (stored !== undefined && compareLogPositions(position, stored.position) <= 0) return;
        let counted = tallies.get(month);
        if (!counted) tallies.set(month, (counted = { month, lane, position, count: stored?.count ?? 0 }));
        counted.count += n;
        counted.position = position;
      };
      for (const { position, from, to } of moves) {
        if (from !== null) tally(from, position, -1);
        if (to !== null) tally(to, position, +1);
      }
      const countWrites: DocumentWrite[] = [...tallies.values()]
        .sort((a, b) => (a.month < b.month ? -1 : 1))
        .map((data) => ({ collection: this.monthCounts.name, id: countId(data.month, lane), data, expectedVersion: held.get(data.month)?.version ?? 0 }));
      const caseWrites: DocumentWrite[] = ids
        .filter((id) => changed.has(id))
        .map((id) => {
          const document = working.get(id)!;
          return { collection: this.documents.name, id, data: document.data, expectedVersion: document.version, checkpoint: document.checkpoint };
        });
      const written = atomicBatches(this.readStore)
        ? await this.readStore.writeBatch([...countWrites, ...caseWrites])
        : (countWrites.length === 0 || (await this.readStore.writeBatch(countWrites))) && (await this.readStore.writeBatch(caseWrites));
      if (written) return { applied };
      if (attempt >= maxRetries) throw new Error(`${CLOSED_CASES}: the batch of lane ${lane} met concurrent writes on each of ${attempt + 1} attempts`);
      await backoff(attempt);
    }
  }

  /** The cases each month up to `now`'s holds, added up over lanes: months without any left out. */
  async dueMonths(now: Date): Promise<Map<string, number>> {
    const last = monthOf(now);
    const totals = new Map<string, number>();
    for (let afterId: string | undefined; ; ) {
      const page = await this.monthCounts.find(undefined, { limit: PAGE, ...(afterId !== undefined ? { afterId } : {}) });
      for (const { data } of page) {
        if (data.month > last) return new Map([...totals].filter(([, count]) => count > 0));
        totals.set(data.month, (totals.get(data.month) ?? 0) + data.count);
      }
      if (page.length < PAGE) return new Map([...totals].filter(([, count]) => count > 0));
      afterId = page[page.length - 1]!.id;
    }
  }

  /** The closed cases whose shortest period ends in or before `now`'s month: the candidates for review. */
  async candidates(now: Date): Promise<ClosedCase[]> {
    const months = [...(await this.dueMonths(now)).keys()].sort();
    const found = await Promise.all(months.map((reviewMonth) => this.documents.find({ reviewMonth })));
    return found.flat().map(({ data }) => data);
  }

  /**
   * A read store written before the month counts existed holds cases but no count: count them
   * once, at boot (before the consumers start), into a lane of their own, which no event arrives
   * on; the events those cases hold are not counted again (a case that holds an event stops its
   * lane from counting it). One pass over the index, once; afterwards the counts exist (an
   * upgrade that found no closed case leaves a mark). Answers how many cases it counted.
   */
  async countExistingCases(): Promise<number> {
    if ((await this.monthCounts.find(undefined, { limit: 1 })).length > 0) return 0;
    if ((await this.documents.find(undefined, { limit: 1 })).length === 0) return 0;
    const byMonth = Object.entries(await this.documents.countBy('reviewMonth')).filter(([month]) => /^\d{4}-\d{2}$/.test(month));
    const writes: DocumentWrite[] = [[UPGRADE_MARK, 0] as const, ...byMonth].map(([month, count]) => ({
      collection: this.monthCounts.name,
      id: countId(month, COUNTED_AT_UPGRADE),
      data: { month, lane: COUNTED_AT_UPGRADE, position: '0', count } satisfies ReviewMonthCount,
      expectedVersion: 0,
    }));
    // Compare-and-set on creation: another instance that counted first makes this moot.
    return (await this.readStore.writeBatch(writes)) ? byMonth.reduce((sum, [, count]) => sum + count, 0) : 0;
  }
}
