import {
  DeclineReason,
  FlagReason,
  IntegrationEvent,
  publishReferralEvent,
  ReferralIntegrationEvent,
  ReferralOutcome,
  ReferralStatus,
  RevokeReason,
} from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, Filter, ReadStore } from '@oriental/read-store';
import { isOverdue } from '@oriental/referral-domain';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/** A referral as lists show it: what referral published, never notes. */
export interface ReferralSummary {
  referralId: string;
  beneficiaryId: string;
  /** The cell the case belongs to now (a transfer moves open referrals). */
  cellId: string;
  partnerId: string;
  need: string;
  status: ReferralStatus;
  flags: FlagReason[];
  flagged: boolean;
  consentOverridden: boolean;
  sentAt: string;
  answerDueBy: string;
  answeredAt?: string;
  closedAt?: string;
  declineReason?: DeclineReason;
  outcome?: ReferralOutcome;
  revokeReason?: RevokeReason;
  /**
   * The cell while the partner's answer is awaited, null once answered or closed: indexed, so
   * an overdue list reads only the referrals of that cell still waiting, never the answered ones.
   */
  awaitingAnswerAt: string | null;
  updatedAt: string;
}

const REFERRALS = 'referral_referrals';

type ReferralFact = Exclude<ReferralIntegrationEvent, { type: 'PartnerRegistered' | 'PartnerUpdated' }>;

const isReferralFact = (event: IntegrationEvent): event is ReferralFact => event.type.startsWith('Referral');

const withAwaiting = (summary: Omit<ReferralSummary, 'awaitingAnswerAt' | 'flagged'>): ReferralSummary => ({
  ...summary,
  flagged: summary.flags.length > 0,
  awaitingAnswerAt: summary.status === 'sent' ? summary.cellId : null,
});

/**
 * Referral lists (by beneficiary, partner, cell; overdue by cell), fed by referral's own
 * integration events over the bus, one document per referral.
 */
export class ReferralListProjection implements ReadModel, DocumentProjection<IntegrationEvent, ReferralSummary> {
  readonly name = 'referral-list';
  readonly streamPrefixes = ['referral-'];
  readonly documents: DocumentCollection<ReferralSummary>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishReferralEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<ReferralSummary>(REFERRALS, { indexes: ['beneficiaryId', 'partnerId', 'cellId', 'awaitingAnswerAt'] });
  }

  get collections() {
    return [this.documents];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return isReferralFact(event) ? event.data.referralId : undefined;
  }

  evolve(current: ReferralSummary | null, integrationEvent: IntegrationEvent): ReferralSummary {
    const event = integrationEvent as ReferralFact;
    if (event.type === 'ReferralSent') {
      const { referralId, beneficiaryId, cellId, partnerId, need, consentOverridden, answerDueBy, sentAt } = event.data;
      return withAwaiting({ referralId, beneficiaryId, cellId, partnerId, need, status: 'sent', flags: [], consentOverridden, sentAt, answerDueBy, updatedAt: sentAt });
    }
    // A referral's events arrive in order, ReferralSent first (one partition per beneficiary);
    // should another come alone, the summary holds what the envelope tells.
    const base: Omit<ReferralSummary, 'awaitingAnswerAt' | 'flagged'> = current ?? {
      referralId: event.data.referralId,
      beneficiaryId: event.beneficiaryId ?? '',
      cellId: event.cellId ?? '',
      partnerId: '',
      need: '',
      status: 'sent',
      flags: [],
      consentOverridden: false,
      sentAt: event.occurredAt,
      answerDueBy: event.occurredAt,
      updatedAt: event.occurredAt,
    };
    switch (event.type) {
      case 'ReferralAccepted':
        return withAwaiting({ ...base, status: 'accepted', answeredAt: event.data.acceptedAt, updatedAt: event.data.acceptedAt });
      case 'ReferralDeclined':
        return withAwaiting({ ...base, status: 'declined', declineReason: event.data.reason, answeredAt: event.data.declinedAt, closedAt: event.data.declinedAt, updatedAt: event.data.declinedAt });
      case 'ReferralCompleted':
        return withAwaiting({ ...base, status: 'completed', outcome: event.data.outcome, closedAt: event.data.completedAt, updatedAt: event.data.completedAt });
      case 'ReferralRevoked':
        return withAwaiting({ ...base, status: 'revoked', revokeReason: event.data.reason, closedAt: event.data.revokedAt, updatedAt: event.data.revokedAt });
      case 'ReferralFlagged':
        return withAwaiting({ ...base, flags: base.flags.includes(event.data.reason) ? base.flags : [...base.flags, event.data.reason], updatedAt: event.data.flaggedAt });
      case 'ReferralFlagCleared':
        return withAwaiting({ ...base, flags: base.flags.filter((flag) => flag !== event.data.reason), updatedAt: event.data.clearedAt });
      case 'ReferralMoved':
        return withAwaiting({ ...base, cellId: event.data.toCellId, updatedAt: event.data.movedAt });
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  /** Referrals matching every given field (each one indexed), oldest first. */
  async list(filter: { beneficiaryId?: string; partnerId?: string; cellId?: string }): Promise<ReferralSummary[]> {
    const documents = await this.documents.find(filter as Filter);
    return documents.map((document) => document.data).sort(bySentAt);
  }

  /** Referrals of a cell whose partner has not answered within its response delay, most overdue first. */
  async overdue(cellId: string, now: Date): Promise<ReferralSummary[]> {
    const waiting = await this.documents.find({ awaitingAnswerAt: cellId });
    return waiting
      .map((document) => document.data)
      .filter((referral) => isOverdue(referral, now))
      .sort((a, b) => a.answerDueBy.localeCompare(b.answerDueBy));
  }
}

const bySentAt = (a: ReferralSummary, b: ReferralSummary): number => a.sentAt.localeCompare(b.sentAt) || a.referralId.localeCompare(b.referralId);
