import { StoredEvent } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import {
  BeneficiaryCase,
  BeneficiaryEvent,
  beneficiaryStream,
  decodeWithoutPersonalData,
  evolve as evolveBeneficiary,
  initialState as unregistered,
} from '@oriental/intake-domain';
import {
  decodeReferralEvent,
  evolve as evolveReferral,
  initialState as unsent,
  Referral,
  REFERRAL_CATEGORY,
  ReferralEvent,
  SentReferral,
} from '@oriental/referral-domain';
import type { CaseState } from './journey.schema';

/**
 * What the journey knows of each context whose streams carry a beneficiary: how to decode a
 * stored event into the context's own domain event (without opening personal data), how to say
 * it in one line, and how the context's own `evolve` folds it. The rules stay in the domains:
 * nothing here decides what an event does to a case.
 */

/** A stored event as its context's domain event; undefined for a stream or type this build does not know. */
type Decoded = { context: 'intake'; event: BeneficiaryEvent } | { context: 'referral'; event: ReferralEvent } | undefined;

const decoders: { context: 'intake' | 'referral'; owns(stream: string): boolean; decode(stored: StoredEvent): Decoded }[] = [
  { context: 'intake', owns: (stream) => stream.startsWith('beneficiary-'), decode: (stored) => ({ context: 'intake', event: decodeWithoutPersonalData(stored) }) },
  { context: 'referral', owns: (stream) => stream.startsWith(`${REFERRAL_CATEGORY}-`), decode: (stored) => ({ context: 'referral', event: decodeReferralEvent(stored) }) },
];

export const decodeJourneyEvent = (stored: StoredEvent): Decoded => {
  const decoder = decoders.find(({ owns }) => owns(stored.stream));
  if (!decoder) return undefined;
  try {
    return decoder.decode(stored);
  } catch {
    // A type (or version) newer than this build: the journey still lists it, with a generic summary.
    return undefined;
  }
};

const consentOverride = (overridden: boolean) => (overridden ? ' (consent override)' : '');
const possibleDuplicates = (count: number) => (count === 0 ? '' : ` (${count} possible duplicate${count === 1 ? '' : 's'} shown)`);

const summarizeIntake = (event: BeneficiaryEvent): string => {
  switch (event.type) {
    case 'BeneficiaryRegistered':
      return `Registered at ${event.data.cellId} as ${event.data.category}${possibleDuplicates(event.data.possibleDuplicates?.length ?? 0)}`;
    case 'BeneficiaryProfileRecorded':
      return `Profile recorded: ${Object.keys(event.data.profile).sort().join(', ') || 'no field'}`;
    case 'PersonalDataRecorded':
      return 'Personal data recorded';
    case 'ConsentGiven':
      return `Consent to ${event.data.purpose} given`;
    case 'ConsentWithdrawn':
      return `Consent to ${event.data.purpose} withdrawn`;
    case 'NeedsAssessed':
      return `Needs assessed: ${event.data.needs.map(({ code, priority }) => `${code} (${priority})`).join(', ')}`;
    case 'NeedMet':
      return `Need met: ${event.data.code}`;
    case 'FollowUpScheduled':
      return `Follow-up scheduled for ${event.data.dueDate}`;
    case 'FollowUpRecorded':
      return `Follow-up ${event.data.outcome}`;
    case 'TransferRequested':
      return `Transfer to ${event.data.toCellId} requested: ${event.data.reason}`;
    case 'TransferAccepted':
      return `Transfer to ${event.data.toCellId} accepted`;
    case 'TransferDeclined':
      return `Transfer to ${event.data.toCellId} declined`;
    case 'CaseClosed':
      return `Case closed: ${event.data.reason}`;
    case 'CaseReopened':
      return 'Case reopened';
    case 'DuplicateLinked':
      return `Linked to possible duplicate ${event.data.otherBeneficiaryId} (same person)`;
    case 'DuplicateDismissed':
      return `Possible duplicate ${event.data.otherBeneficiaryId} dismissed (not the same person)`;
    case 'PersonalDataErased':
      return `Personal data erased: ${event.data.reason}`;
    default: {
      const unknown: never = event;
      return `${(unknown as { type: string }).type} recorded`;
    }
  }
};

/** `referral` is the referral as it stood before the event, so that answers name the partner. */
const summarizeReferral = (event: ReferralEvent, referral: Referral): string => {
  const to = referral.status === 'none' ? '' : ` to ${referral.partnerId}`;
  switch (event.type) {
    case 'ReferralSent':
      return `Referred to ${event.data.partnerId} for ${event.data.need}${consentOverride(!!event.data.consentOverride)}`;
    case 'ReferralAccepted':
      return `Referral${to} accepted`;
    case 'ReferralDeclined':
      return `Referral${to} declined: ${event.data.reason}`;
    case 'ReferralCompleted':
      return `Referral${to} completed: ${event.data.outcome}`;
    case 'ReferralRevoked':
      return `Referral${to} revoked: ${event.data.reason}`;
    case 'ReferralFlagged':
      return `Referral${to} flagged: ${event.data.reason}`;
    case 'ReferralFlagCleared':
      return `Referral${to} no longer flagged: ${event.data.reason}`;
    case 'ReferralMoved':
      return `Referral${to} moved from ${event.data.fromCellId} to ${event.data.toCellId}`;
    default: {
      const unknown: never = event;
      return `${(unknown as { type: string }).type} recorded`;
    }
  }
};

/** An event this build cannot read: its type and where it sits, nothing of its data. */
const genericSummary = (stored: StoredEvent): string => `${stored.type} recorded in ${stored.stream.split('-')[0]}`;

/** One line per event, in order. Referral streams are folded along (with referral's `evolve`) so an answer names its partner. */
export const summaries = (events: readonly StoredEvent[]): string[] => {
  const referrals = new Map<string, Referral>();
  return events.map((stored) => {
    const decoded = decodeJourneyEvent(stored);
    if (!decoded) return genericSummary(stored);
    if (decoded.context === 'intake') return summarizeIntake(decoded.event);
    const before = referrals.get(stored.stream) ?? unsent;
    referrals.set(stored.stream, evolveReferral(before, decoded.event));
    return summarizeReferral(decoded.event, before);
  });
};

type CaseFacts = Omit<CaseState, 'beneficiaryId' | 'asOf' | 'eventsApplied' | 'lastEventAt'>;

const referralFacts = (referral: SentReferral): CaseState['referrals'][number] => ({
  referralId: referral.referralId,
  partnerId: referral.partnerId,
  need: referral.need,
  cellId: referral.cellId,
  status: referral.status,
  consentOverridden: referral.consentOverridden,
  sentAt: referral.sentAt,
  answerDueBy: referral.answerDueBy,
  ...(referral.answeredAt ? { answeredAt: referral.answeredAt } : {}),
  ...(referral.declineReason ? { declineReason: referral.declineReason } : {}),
  ...(referral.outcome ? { outcome: referral.outcome } : {}),
  ...(referral.revokeReason ? { revokeReason: referral.revokeReason } : {}),
  ...(referral.closedAt ? { closedAt: referral.closedAt } : {}),
  flags: [...referral.flags],
});

/** What an auditor sees of intake's case: no personal data, no notes. */
const intakeFacts = (state: BeneficiaryCase, registeredAtCellId: string): Omit<CaseFacts, 'referrals'> => ({
  cellId: state.cellId,
  registeredAtCellId,
  registeredAt: state.registeredAt,
  category: state.category,
  status: state.status,
  closure: state.closure ? { reason: state.closure.reason, closedAt: state.closure.closedAt } : null,
  consents: { services: state.consent.services, sharing: state.consent.sharing, statistics: state.consent.statistics },
  needs: Object.values(state.needs).map((need) => ({
    code: need.code,
    priority: need.priority,
    status: need.status,
    assessedAt: need.assessedAt,
    ...(need.metAt ? { metAt: need.metAt } : {}),
  })),
  followUps: Object.values(state.followUps).map((followUp) => ({
    followUpId: followUp.followUpId,
    dueDate: followUp.dueDate,
    scheduledAt: followUp.scheduledAt,
    ...(followUp.outcome ? { outcome: followUp.outcome } : {}),
    ...(followUp.recordedAt ? { recordedAt: followUp.recordedAt } : {}),
  })),
  pendingTransfer: state.pendingTransfer
    ? { transferId: state.pendingTransfer.transferId, toCellId: state.pendingTransfer.toCellId, reason: state.pendingTransfer.reason, requestedAt: state.pendingTransfer.requestedAt }
    : null,
});

/**
 * Folds a journey's events with each context's own decider: the beneficiary's intake stream with
 * intake's `evolve`, each referral stream with referral's. Undefined while intake knows no
 * registration. Events this build cannot decode are left out of the fold (they are listed in
 * the journey all the same).
 */
export const caseOf = (beneficiaryId: string, events: readonly StoredEvent[]): CaseFacts | undefined => {
  const intake: BeneficiaryEvent[] = [];
  const referralStreams = new Map<string, ReferralEvent[]>();
  for (const stored of events) {
    const decoded = decodeJourneyEvent(stored);
    if (decoded?.context === 'intake' && stored.stream === beneficiaryStream(beneficiaryId)) intake.push(decoded.event);
    if (decoded?.context === 'referral') {
      const stream = referralStreams.get(stored.stream);
      if (stream) stream.push(decoded.event);
      else referralStreams.set(stored.stream, [decoded.event]);
    }
  }
  const state = fold({ evolve: evolveBeneficiary, initialState: unregistered }, intake);
  const registration = intake.find((event) => event.type === 'BeneficiaryRegistered');
  if (state.status === 'unknown' || registration?.type !== 'BeneficiaryRegistered') return undefined;
  const referrals = [...referralStreams.values()]
    .map((stream) => fold({ evolve: evolveReferral, initialState: unsent }, stream))
    .filter((referral): referral is SentReferral => referral.status !== 'none');
  return { ...intakeFacts(state, registration.data.cellId), referrals: referrals.map(referralFacts) };
};
