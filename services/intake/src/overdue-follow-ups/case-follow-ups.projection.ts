import { FollowUpScheduledV1, IntakeIntegrationEvent, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/** A follow-up still without outcome. */
export interface PendingFollowUp {
  followUpId: string;
  /** YYYY-MM-DD */
  dueDate: string;
  scheduledAt: string;
}

/** One document per case that has had a follow-up, a transfer or a closure: what the overdue list needs of it. */
export interface CaseFollowUps {
  beneficiaryId: string;
  /** The cell that has the case now. */
  cellId: string | null;
  closed: boolean;
  pending: PendingFollowUp[];
  /**
   * The field a cell's overdue list is read by (indexed): the case's cell while the case is open
   * and has a follow-up without outcome, null otherwise. So a request reads the cases of one
   * cell that are waiting for a follow-up, never every document.
   */
  listedAtCell: string | null;
}

export const CASE_FOLLOW_UPS = 'intake_case_follow_ups';
export const CASE_FOLLOW_UPS_PROJECTION = 'intake-case-follow-ups';

type Followed = Extract<IntakeIntegrationEvent, { type: 'FollowUpScheduled' | 'FollowUpRecorded' | 'TransferAccepted' | 'CaseClosed' | 'CaseReopened' }>;
const FOLLOWED = new Set<string>(['FollowUpScheduled', 'FollowUpRecorded', 'TransferAccepted', 'CaseClosed', 'CaseReopened'] satisfies Followed['type'][]);
const isFollowed = (event: IntegrationEvent): event is Followed => FOLLOWED.has(event.type);

/**
 * The follow-ups each case still waits for, by the cell that has the case, fed by intake's own
 * integration events (the bus live, the store on a rebuild). A transfer accepted moves the case,
 * follow-ups included, to the new cell; a closed case lists nothing until it is reopened.
 * A case's first document takes its cell from the event's envelope (`cellId`: the cell that
 * had the case when the command arrived); from then on its own events keep it.
 */
export class CaseFollowUpsProjection implements ReadModel, DocumentProjection<IntegrationEvent, CaseFollowUps> {
  readonly name = CASE_FOLLOW_UPS_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<CaseFollowUps>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<CaseFollowUps>(CASE_FOLLOW_UPS, { indexes: ['listedAtCell'] });
  }

  get collections() {
    return [this.documents];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return isFollowed(event) ? event.data.beneficiaryId : undefined;
  }

  evolve(current: CaseFollowUps | null, event: IntegrationEvent): CaseFollowUps {
    const followed = event as Followed;
    const base = current ?? { beneficiaryId: followed.data.beneficiaryId, cellId: event.cellId ?? null, closed: false, pending: [], listedAtCell: null };
    const next = ((): Omit<CaseFollowUps, 'listedAtCell'> => {
      switch (followed.type) {
        case 'FollowUpScheduled': {
          const { followUpId, dueDate, scheduledAt }: FollowUpScheduledV1 = followed.data;
          return { ...base, pending: [...base.pending.filter((f) => f.followUpId !== followUpId), { followUpId, dueDate, scheduledAt }] };
        }
        case 'FollowUpRecorded':
          return { ...base, pending: base.pending.filter((f) => f.followUpId !== followed.data.followUpId) };
        case 'TransferAccepted':
          return { ...base, cellId: followed.data.toCellId };
        case 'CaseClosed':
          return { ...base, closed: true };
        case 'CaseReopened':
          return { ...base, closed: false };
      }
    })();
    return { ...next, listedAtCell: !next.closed && next.pending.length > 0 ? next.cellId : null };
  }

  /** Applies a batch of one lane's intake integration events; other types are not its business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  /** The follow-ups of `cellId`'s open cases due before `today` (YYYY-MM-DD) and without outcome, the longest overdue first. */
  async overdue(cellId: string, today: string): Promise<(PendingFollowUp & { beneficiaryId: string })[]> {
    const cases = await this.documents.find({ listedAtCell: cellId });
    return cases
      .flatMap(({ data }) => data.pending.filter((followUp) => followUp.dueDate < today).map((followUp) => ({ beneficiaryId: data.beneficiaryId, ...followUp })))
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.scheduledAt.localeCompare(b.scheduledAt));
  }
}
