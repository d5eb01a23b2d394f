import type { DeclineReason, FlagReason, ReferralOutcome, ReferralStatus, RevokeReason } from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';

/**
 * A referral (orientation): a reception cell sends a beneficiary to a partner service for one
 * need of the catalogue (`civil_documents`, `health`…). The partner answers, accepting or
 * declining, within its response delay (past it, the referral is *overdue*); an accepted
 * referral is completed with an outcome; the cell may revoke an open one. Its history is the
 * stream `referral-<id>`; every event carries the beneficiary and the cell in its metadata, so
 * it is part of the beneficiary's journey.
 *
 * Sharing a case with a partner needs the beneficiary's consent to sharing (law 09-08); without
 * it a referral is sent only under a recorded override (reason and actor).
 */

/** Who overrode a missing consent to sharing, and why (free text, never published). */
export interface ConsentOverride {
  reason: string;
  by: string;
}

export interface ReferralSentData {
  referralId: string;
  beneficiaryId: string;
  /** The cell the case belongs to when sent (reference data id). */
  cellId: string;
  partnerId: string;
  /** Need code from the catalogue. */
  need: string;
  note?: string;
  consentOverride?: ConsentOverride;
  /** `sentAt` plus the partner's response delay. */
  answerDueBy: string;
  sentAt: string;
  by: string;
}

export type ReferralSent = DomainEvent<'ReferralSent', ReferralSentData>;
export type ReferralAccepted = DomainEvent<'ReferralAccepted', { referralId: string; note?: string; acceptedAt: string; by: string }>;
export type ReferralDeclined = DomainEvent<'ReferralDeclined', { referralId: string; reason: DeclineReason; note?: string; declinedAt: string; by: string }>;
export type ReferralCompleted = DomainEvent<'ReferralCompleted', { referralId: string; outcome: ReferralOutcome; note?: string; completedAt: string; by: string }>;
export type ReferralRevoked = DomainEvent<'ReferralRevoked', { referralId: string; reason: RevokeReason; note?: string; revokedAt: string; by: string }>;
export type ReferralFlagged = DomainEvent<'ReferralFlagged', { referralId: string; reason: FlagReason; flaggedAt: string; by: string }>;
export type ReferralFlagCleared = DomainEvent<'ReferralFlagCleared', { referralId: string; reason: FlagReason; clearedAt: string; by: string }>;
/** The case was transferred to another cell (intake's TransferAccepted): the referral follows it. */
export type ReferralMoved = DomainEvent<
  'ReferralMoved',
  { referralId: string; transferId: string; fromCellId: string; toCellId: string; movedAt: string; by: string }
>;

export type ReferralEvent =
  | ReferralSent
  | ReferralAccepted
  | ReferralDeclined
  | ReferralCompleted
  | ReferralRevoked
  | ReferralFlagged
  | ReferralFlagCleared
  | ReferralMoved;

export type Referral =
  | { status: 'none' }
  | {
      status: ReferralStatus;
      referralId: string;
      beneficiaryId: string;
      cellId: string;
      partnerId: string;
      need: string;
      consentOverridden: boolean;
      answerDueBy: string;
      sentAt: string;
      /** Flags raised and not cleared (e.g. `consent_withdrawn`). */
      flags: FlagReason[];
      answeredAt?: string;
      declineReason?: DeclineReason;
      outcome?: ReferralOutcome;
      revokeReason?: RevokeReason;
      closedAt?: string;
    };

export type SentReferral = Exclude<Referral, { status: 'none' }>;

export const initialState: Referral = { status: 'none' };

/** Open: the partner has not answered yet, or accepted and not completed. */
export const isOpen = (state: Referral): state is OpenReferral => state.status === 'sent' || state.status === 'accepted';

export type OpenReferral = SentReferral & { status: 'sent' | 'accepted' };

export const evolve = (state: Referral, event: ReferralEvent): Referral => {
  if (event.type === 'ReferralSent') {
    const { referralId, beneficiaryId, cellId, partnerId, need, consentOverride, answerDueBy, sentAt } = event.data;
    return { status: 'sent', referralId, beneficiaryId, cellId, partnerId, need, consentOverridden: !!consentOverride, answerDueBy, sentAt, flags: [] };
  }
  // Every other event follows a ReferralSent in its stream.
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ReferralAccepted':
      return { ...state, status: 'accepted', answeredAt: event.data.acceptedAt };
    case 'ReferralDeclined':
      return { ...state, status: 'declined', answeredAt: event.data.declinedAt, declineReason: event.data.reason, closedAt: event.data.declinedAt };
    case 'ReferralCompleted':
      return { ...state, status: 'completed', outcome: event.data.outcome, closedAt: event.data.completedAt };
    case 'ReferralRevoked':
      return { ...state, status: 'revoked', revokeReason: event.data.reason, closedAt: event.data.revokedAt };
    case 'ReferralFlagged':
      return state.flags.includes(event.data.reason) ? state : { ...state, flags: [...state.flags, event.data.reason] };
    case 'ReferralFlagCleared':
      return { ...state, flags: state.flags.filter((flag) => flag !== event.data.reason) };
    case 'ReferralMoved':
      return { ...state, cellId: event.data.toCellId };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

export const REFERRAL_CATEGORY = 'referral';

export const referralStream = (referralId: string): string => `${REFERRAL_CATEGORY}-${referralId}`;

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a partner's answer is due: `days` whole days after `sentAt`. */
export const answerDueBy = (sentAt: Date, days: number): string => new Date(sentAt.getTime() + days * DAY_MS).toISOString();

/** Overdue: still waiting for the partner's answer after the due time. */
export const isOverdue = (referral: { status: string; answerDueBy: string }, now: Date): boolean =>
  referral.status === 'sent' && Date.parse(referral.answerDueBy) < now.getTime();
