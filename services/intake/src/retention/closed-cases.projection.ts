import { IntakeIntegrationEvent, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, ReadStore } from '@oriental/read-store';
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

export const CLOSED_CASES = 'intake_closed_cases';
export const CLOSED_CASES_PROJECTION = 'intake-closed-cases';

type Followed = Extract<IntakeIntegrationEvent, { type: 'TransferAccepted' | 'CaseClosed' | 'CaseReopened' | 'PersonalDataErased' }>;
const FOLLOWED = new Set<string>(['TransferAccepted', 'CaseClosed', 'CaseReopened', 'PersonalDataErased'] satisfies Followed['type'][]);
const isFollowed = (event: IntegrationEvent): event is Followed => FOLLOWED.has(event.type);

const DAY_MS = 24 * 3600 * 1000;
export const addDays = (instant: string, days: number): Date => new Date(Date.parse(instant) + days * DAY_MS);
const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

/**
 * Closed cases by the month their first retention period ends, fed by intake's own integration
 * events (the bus live, the store on a rebuild). `shortestRetentionDays` is read at each event:
 * after a configuration change, `npm run rebuild` files the cases under their new months.
 */
export class ClosedCasesProjection implements ReadModel, DocumentProjection<IntegrationEvent, ClosedCase> {
  readonly name = CLOSED_CASES_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<ClosedCase>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(
    readonly readStore: ReadStore,
    private readonly shortestRetentionDays: number,
  ) {
    this.documents = readStore.collection<ClosedCase>(CLOSED_CASES, { indexes: ['reviewMonth'] });
  }

  get collections() {
    return [this.documents];
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

  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  /** The closed cases whose shortest period ends in or before `now`'s month: the candidates for review. */
  async candidates(now: Date): Promise<ClosedCase[]> {
    const months = Object.keys(await this.documents.countBy('reviewMonth')).filter((month) => month !== 'null' && month <= monthOf(now)).sort();
    const found = await Promise.all(months.map((reviewMonth) => this.documents.find({ reviewMonth })));
    return found.flat().map(({ data }) => data);
  }
}
