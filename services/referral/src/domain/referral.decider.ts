import type { AgentRevokeReasons, DeclineReason, FlagReason, ReferralOutcome } from '@oriental/contracts';
import { Decider, DomainCommand, DomainError } from '@oriental/domain-kit';
import { answerDueBy, evolve, initialState, isOpen, Referral, ReferralEvent, SentReferral } from './referral';

/** A referral command refused by a rule of the lifecycle: answered 422 with its code. */
export class ReferralRefused extends DomainError {
  constructor(code: ReferralRefusal, message: string) {
    super(code, 'rule', message);
    this.name = 'ReferralRefused';
  }
}

/** A command for a referral that was never sent: answered 404. */
export class ReferralNotFound extends DomainError {
  constructor(message: string) {
    super('REFERRAL_NOT_FOUND', 'not_found', message);
    this.name = 'ReferralNotFound';
  }
}

export type ReferralRefusal =
  | 'REFERRAL_ALREADY_SENT'
  | 'BENEFICIARY_NOT_KNOWN'
  | 'CASE_CLOSED'
  | 'PARTNER_NOT_KNOWN'
  | 'PARTNER_DOES_NOT_COVER_NEED'
  | 'CONSENT_REQUIRED'
  | 'REFERRAL_NOT_AWAITING_ANSWER'
  | 'REFERRAL_NOT_ACCEPTED'
  | 'REFERRAL_ALREADY_CLOSED';

/** What referral knows of the beneficiary's case from intake's events, or null when it knows nothing. */
export interface BeneficiaryCase {
  cellId: string;
  /** Consent to sharing the case with partners. */
  sharing: boolean;
  status: 'open' | 'closed';
}

/** The partner's terms the decision needs, or null when the directory has no such partner. */
export interface PartnerTerms {
  partnerId: string;
  needs: readonly string[];
  responseDelayDays: number;
}

/** Every command carries who acts and the clock reading, so that `decide` stays deterministic. */
interface Acting {
  actor: string;
  now: Date;
}

export type SendReferral = DomainCommand<
  'SendReferral',
  Acting & {
    referralId: string;
    beneficiaryId: string;
    need: string;
    partnerId: string;
    note?: string;
    /** Sends without consent to sharing; the reason is recorded with the actor. */
    override?: { reason: string };
    beneficiary: BeneficiaryCase | null;
    partner: PartnerTerms | null;
  }
>;
export type AcceptReferral = DomainCommand<'AcceptReferral', Acting & { note?: string }>;
export type DeclineReferral = DomainCommand<'DeclineReferral', Acting & { reason: DeclineReason; note?: string }>;
export type CompleteReferral = DomainCommand<'CompleteReferral', Acting & { outcome: ReferralOutcome; note?: string }>;
export type RevokeReferral = DomainCommand<'RevokeReferral', Acting & { reason: (typeof AgentRevokeReasons)[number]; note?: string }>;

/** Reactions to intake's facts: they never fail, they do nothing when there is nothing to do. */
export type RevokeForClosedCase = DomainCommand<'RevokeForClosedCase', Acting>;
export type FlagReferral = DomainCommand<'FlagReferral', Acting & { reason: FlagReason }>;
export type ClearReferralFlag = DomainCommand<'ClearReferralFlag', Acting & { reason: FlagReason }>;
export type MoveReferral = DomainCommand<'MoveReferral', Acting & { transferId: string; fromCellId: string; toCellId: string }>;

export type ReferralCommand =
  | SendReferral
  | AcceptReferral
  | DeclineReferral
  | CompleteReferral
  | RevokeReferral
  | RevokeForClosedCase
  | FlagReferral
  | ClearReferralFlag
  | MoveReferral;

const sent = (state: Referral): SentReferral => {
  if (state.status === 'none') throw new ReferralNotFound('This referral was never sent');
  return state;
};

const optionalNote = (note: string | undefined) => (note === undefined ? {} : { note });

const send = (command: SendReferral, state: Referral): ReferralEvent[] => {
  const { referralId, beneficiaryId, need, partnerId, note, override, beneficiary, partner, actor, now } = command.data;
  if (state.status !== 'none') throw new ReferralRefused('REFERRAL_ALREADY_SENT', `Referral ${referralId} was already sent`);
  // A case referral heard of only through a later fact (its registration not received yet) has
  // no cell: a referral could be neither listed nor published, so it is not known yet either.
  if (!beneficiary || !beneficiary.cellId) {
    throw new ReferralRefused('BENEFICIARY_NOT_KNOWN', `Beneficiary ${beneficiaryId} is not known to referral (not registered, or not yet received from intake)`);
  }
  if (beneficiary.status === 'closed') throw new ReferralRefused('CASE_CLOSED', `The case of beneficiary ${beneficiaryId} is closed`);
  if (!partner) throw new ReferralRefused('PARTNER_NOT_KNOWN', `Partner ${partnerId} is not in the directory`);
  if (!partner.needs.includes(need)) throw new ReferralRefused('PARTNER_DOES_NOT_COVER_NEED', `Partner ${partnerId} does not cover the need ${need}`);
  // Law 09-08: sharing a case with a partner needs consent, or an override someone answers for.
  if (!beneficiary.sharing && !override) {
    throw new ReferralRefused('CONSENT_REQUIRED', `Beneficiary ${beneficiaryId} has not consented to sharing their case; send with an override and its reason`);
  }
  return [
    {
      type: 'ReferralSent',
      data: {
        referralId,
        beneficiaryId,
        cellId: beneficiary.cellId,
        partnerId,
        need,
        ...optionalNote(note),
        ...(!beneficiary.sharing && override ? { consentOverride: { reason: override.reason, by: actor } } : {}),
        answerDueBy: answerDueBy(now, partner.responseDelayDays),
        sentAt: now.toISOString(),
        by: actor,
      },
    },
  ];
};

export const decide = (command: ReferralCommand, state: Referral): ReferralEvent[] => {
  switch (command.type) {
    case 'SendReferral':
      return send(command, state);
    case 'AcceptReferral': {
      const referral = sent(state);
      if (referral.status !== 'sent') throw new ReferralRefused('REFERRAL_NOT_AWAITING_ANSWER', `Referral ${referral.referralId} is ${referral.status}, not awaiting an answer`);
      const { note, actor, now } = command.data;
      return [{ type: 'ReferralAccepted', data: { referralId: referral.referralId, ...optionalNote(note), acceptedAt: now.toISOString(), by: actor } }];
    }
    case 'DeclineReferral': {
      const referral = sent(state);
      if (referral.status !== 'sent') throw new ReferralRefused('REFERRAL_NOT_AWAITING_ANSWER', `Referral ${referral.referralId} is ${referral.status}, not awaiting an answer`);
      const { reason, note, actor, now } = command.data;
      return [{ type: 'ReferralDeclined', data: { referralId: referral.referralId, reason, ...optionalNote(note), declinedAt: now.toISOString(), by: actor } }];
    }
    case 'CompleteReferral': {
      const referral = sent(state);
      if (referral.status !== 'accepted') throw new ReferralRefused('REFERRAL_NOT_ACCEPTED', `Referral ${referral.referralId} is ${referral.status}: only an accepted referral is completed`);
      const { outcome, note, actor, now } = command.data;
      return [{ type: 'ReferralCompleted', data: { referralId: referral.referralId, outcome, ...optionalNote(note), completedAt: now.toISOString(), by: actor } }];
    }
    case 'RevokeReferral': {
      const referral = sent(state);
      if (!isOpen(referral)) throw new ReferralRefused('REFERRAL_ALREADY_CLOSED', `Referral ${referral.referralId} is already ${referral.status}`);
      const { reason, note, actor, now } = command.data;
      return [{ type: 'ReferralRevoked', data: { referralId: referral.referralId, reason, ...optionalNote(note), revokedAt: now.toISOString(), by: actor } }];
    }
    case 'RevokeForClosedCase': {
      if (!isOpen(state)) return [];
      const { actor, now } = command.data;
      return [{ type: 'ReferralRevoked', data: { referralId: state.referralId, reason: 'case_closed', revokedAt: now.toISOString(), by: actor } }];
    }
    case 'FlagReferral': {
      const { reason, actor, now } = command.data;
      if (!isOpen(state) || state.flags.includes(reason)) return [];
      return [{ type: 'ReferralFlagged', data: { referralId: state.referralId, reason, flaggedAt: now.toISOString(), by: actor } }];
    }
    case 'ClearReferralFlag': {
      const { reason, actor, now } = command.data;
      if (state.status === 'none' || !state.flags.includes(reason)) return [];
      return [{ type: 'ReferralFlagCleared', data: { referralId: state.referralId, reason, clearedAt: now.toISOString(), by: actor } }];
    }
    case 'MoveReferral': {
      const { transferId, fromCellId, toCellId, actor, now } = command.data;
      // Only an open referral still at the cell the case left follows it: a closed one stays the
      // history of that cell, and a stale transfer (the case moved on since) moves nothing.
      if (!isOpen(state) || state.cellId !== fromCellId || fromCellId === toCellId) return [];
      return [{ type: 'ReferralMoved', data: { referralId: state.referralId, transferId, fromCellId, toCellId, movedAt: now.toISOString(), by: actor } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const referralDecider: Decider<ReferralCommand, ReferralEvent, Referral> = { decide, evolve, initialState };
