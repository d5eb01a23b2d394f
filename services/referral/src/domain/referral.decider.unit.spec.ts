import { specFor } from '@oriental/domain-kit';
import { ReferralEvent } from './referral';
import { BeneficiaryCase, PartnerTerms, referralDecider, ReferralCommand, SendReferral } from './referral.decider';

const given = specFor(referralDecider);
const now = new Date('2026-07-15T09:30:00.000Z');
const later = new Date('2026-07-18T10:00:00.000Z');
const referralId = '0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01';
const beneficiaryId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const agent = 'agent:oujda-1';
const system = 'system:referral';

const openCase = (overrides: Partial<BeneficiaryCase> = {}): BeneficiaryCase => ({ cellId: 'oujda', sharing: true, status: 'open', ...overrides });
const hospital: PartnerTerms = { partnerId: 'chr-al-farabi', needs: ['health', 'psychosocial_support'], responseDelayDays: 5 };

const sendReferral = (overrides: Partial<SendReferral['data']> = {}): SendReferral => ({
  type: 'SendReferral',
  data: { referralId, beneficiaryId, need: 'health', partnerId: 'chr-al-farabi', beneficiary: openCase(), partner: hospital, actor: agent, now, ...overrides },
});

/** The event a send leads to, its fields in the order the decider writes them (the spec compares JSON). */
const referralSent = (overrides: Partial<Extract<ReferralEvent, { type: 'ReferralSent' }>['data']> = {}): ReferralEvent => {
  const { note, consentOverride, ...rest } = overrides;
  return {
    type: 'ReferralSent',
    data: {
      referralId,
      beneficiaryId,
      cellId: rest.cellId ?? 'oujda',
      partnerId: 'chr-al-farabi',
      need: 'health',
      ...(note !== undefined ? { note } : {}),
      ...(consentOverride ? { consentOverride } : {}),
      answerDueBy: '2026-07-20T09:30:00.000Z',
      sentAt: now.toISOString(),
      by: agent,
    },
  };
};
const accepted: ReferralEvent = { type: 'ReferralAccepted', data: { referralId, acceptedAt: later.toISOString(), by: 'partner:chr' } };
const declined: ReferralEvent = { type: 'ReferralDeclined', data: { referralId, reason: 'no_capacity', declinedAt: later.toISOString(), by: 'partner:chr' } };
const completed: ReferralEvent = { type: 'ReferralCompleted', data: { referralId, outcome: 'resolved', completedAt: later.toISOString(), by: 'partner:chr' } };
const revoked: ReferralEvent = { type: 'ReferralRevoked', data: { referralId, reason: 'sent_in_error', revokedAt: later.toISOString(), by: agent } };
const flagged: ReferralEvent = { type: 'ReferralFlagged', data: { referralId, reason: 'consent_withdrawn', flaggedAt: later.toISOString(), by: system } };

const act = <T extends ReferralCommand['type']>(type: T, data: object = {}, actor = agent): ReferralCommand =>
  ({ type, data: { actor, now: later, ...data } }) as ReferralCommand;

describe('Referral', () => {
  describe('when a cell sends a referral', () => {
    it('records it, with the answer due after the partner’s response delay', () => given([]).when(sendReferral()).then([referralSent()]));

    it('keeps the agent’s note', () => given([]).when(sendReferral({ note: 'speaks tamazight' })).then([referralSent({ note: 'speaks tamazight' })]));

    it('records it in the cell the case belongs to now', () =>
      given([]).when(sendReferral({ beneficiary: openCase({ cellId: 'nador' }) })).then([referralSent({ cellId: 'nador' })]));

    it('refuses a second send of the same referral', () => given([referralSent()]).when(sendReferral()).thenFails('REFERRAL_ALREADY_SENT'));

    it('refuses a beneficiary referral has not heard of', () => given([]).when(sendReferral({ beneficiary: null })).thenFails('BENEFICIARY_NOT_KNOWN'));

    it('refuses a case known only from a later fact, its registration (and so its cell) not received yet', () =>
      given([]).when(sendReferral({ beneficiary: openCase({ cellId: '' }) })).thenFails('BENEFICIARY_NOT_KNOWN'));

    it('refuses a closed case', () => given([]).when(sendReferral({ beneficiary: openCase({ status: 'closed' }) })).thenFails('CASE_CLOSED'));

    it('refuses a partner not in the directory', () => given([]).when(sendReferral({ partner: null, partnerId: 'nobody' })).thenFails('PARTNER_NOT_KNOWN'));

    it('refuses a partner that does not cover the need', () => given([]).when(sendReferral({ need: 'schooling' })).thenFails('PARTNER_DOES_NOT_COVER_NEED'));
  });

  describe('consent gate: when the beneficiary has not consented to sharing', () => {
    const noSharing = openCase({ sharing: false });

    it('refuses the referral', () => given([]).when(sendReferral({ beneficiary: noSharing })).thenFails('CONSENT_REQUIRED'));

    it('sends it under an override, recording its reason and actor', () =>
      given([])
        .when(sendReferral({ beneficiary: noSharing, override: { reason: 'life-threatening emergency' } }))
        .then([referralSent({ consentOverride: { reason: 'life-threatening emergency', by: agent } })]));

    it('records no override when consent was given', () =>
      given([]).when(sendReferral({ override: { reason: 'just in case' } })).then([referralSent()]));
  });

  describe('when the partner accepts', () => {
    it('records the acceptance', () =>
      given([referralSent()]).when(act('AcceptReferral', {}, 'partner:chr')).then([accepted]));
    it('keeps a note', () =>
      given([referralSent()])
        .when(act('AcceptReferral', { note: 'appointment on Monday' }, 'partner:chr'))
        .then([{ type: 'ReferralAccepted', data: { referralId, note: 'appointment on Monday', acceptedAt: later.toISOString(), by: 'partner:chr' } }]));
    it('refuses when already answered', () => given([referralSent(), declined]).when(act('AcceptReferral')).thenFails('REFERRAL_NOT_AWAITING_ANSWER'));
    it('refuses when already accepted', () => given([referralSent(), accepted]).when(act('AcceptReferral')).thenFails('REFERRAL_NOT_AWAITING_ANSWER'));
    it('refuses when revoked', () => given([referralSent(), revoked]).when(act('AcceptReferral')).thenFails('REFERRAL_NOT_AWAITING_ANSWER'));
    it('answers not found for a referral never sent', () => given([]).when(act('AcceptReferral')).thenFails('REFERRAL_NOT_FOUND'));
  });

  describe('when the partner declines', () => {
    it('records the reason', () => given([referralSent()]).when(act('DeclineReferral', { reason: 'no_capacity' }, 'partner:chr')).then([declined]));
    it('refuses when accepted', () => given([referralSent(), accepted]).when(act('DeclineReferral', { reason: 'other' })).thenFails('REFERRAL_NOT_AWAITING_ANSWER'));
    it('answers not found for a referral never sent', () => given([]).when(act('DeclineReferral', { reason: 'other' })).thenFails('REFERRAL_NOT_FOUND'));
  });

  describe('when the partner completes', () => {
    it('records the outcome of an accepted referral', () =>
      given([referralSent(), accepted]).when(act('CompleteReferral', { outcome: 'resolved' }, 'partner:chr')).then([completed]));
    it('refuses one not accepted', () => given([referralSent()]).when(act('CompleteReferral', { outcome: 'resolved' })).thenFails('REFERRAL_NOT_ACCEPTED'));
    it('refuses one completed', () =>
      given([referralSent(), accepted, completed]).when(act('CompleteReferral', { outcome: 'resolved' })).thenFails('REFERRAL_NOT_ACCEPTED'));
  });

  describe('when the cell revokes', () => {
    it('revokes one awaiting an answer', () => given([referralSent()]).when(act('RevokeReferral', { reason: 'sent_in_error' })).then([revoked]));
    it('revokes an accepted one', () => given([referralSent(), accepted]).when(act('RevokeReferral', { reason: 'sent_in_error' })).then([revoked]));
    it.each([
      ['declined', declined],
      ['completed', completed],
      ['revoked', revoked],
    ])('refuses one %s', (_, closing) => {
      const history = closing === completed ? [referralSent(), accepted, completed] : [referralSent(), closing];
      given(history).when(act('RevokeReferral', { reason: 'other' })).thenFails('REFERRAL_ALREADY_CLOSED');
    });
  });

  describe('when intake closes the case', () => {
    const revokedForClosure: ReferralEvent = { type: 'ReferralRevoked', data: { referralId, reason: 'case_closed', revokedAt: later.toISOString(), by: system } };
    it('revokes an open referral', () => given([referralSent()]).when(act('RevokeForClosedCase', {}, system)).then([revokedForClosure]));
    it('revokes an accepted referral', () => given([referralSent(), accepted]).when(act('RevokeForClosedCase', {}, system)).then([revokedForClosure]));
    it('leaves a closed referral alone', () => given([referralSent(), declined]).when(act('RevokeForClosedCase', {}, system)).then([]));
    it('does nothing for a referral never sent', () => given([]).when(act('RevokeForClosedCase', {}, system)).then([]));
  });

  describe('when consent to sharing is withdrawn, then given again', () => {
    it('flags an open referral', () => given([referralSent()]).when(act('FlagReferral', { reason: 'consent_withdrawn' }, system)).then([flagged]));
    it('flags it once', () => given([referralSent(), flagged]).when(act('FlagReferral', { reason: 'consent_withdrawn' }, system)).then([]));
    it('leaves a closed referral alone', () => given([referralSent(), declined]).when(act('FlagReferral', { reason: 'consent_withdrawn' }, system)).then([]));
    it('clears the flag', () =>
      given([referralSent(), flagged])
        .when(act('ClearReferralFlag', { reason: 'consent_withdrawn' }, system))
        .then([{ type: 'ReferralFlagCleared', data: { referralId, reason: 'consent_withdrawn', clearedAt: later.toISOString(), by: system } }]));
    it('clears nothing when not flagged', () => given([referralSent()]).when(act('ClearReferralFlag', { reason: 'consent_withdrawn' }, system)).then([]));
  });

  describe('when the case is transferred to another cell', () => {
    const transfer = { transferId: '9d7c3f1e-3b5a-4c8e-8f2d-1a2b3c4d5e6f', fromCellId: 'oujda', toCellId: 'nador' };
    const moved: ReferralEvent = { type: 'ReferralMoved', data: { referralId, ...transfer, movedAt: later.toISOString(), by: system } };
    it('moves an open referral to the new cell', () => given([referralSent()]).when(act('MoveReferral', transfer, system)).then([moved]));
    it('moves it once', () => given([referralSent(), moved]).when(act('MoveReferral', transfer, system)).then([]));
    it('leaves a closed referral with the old cell', () => given([referralSent(), declined]).when(act('MoveReferral', transfer, system)).then([]));
    it('ignores a stale transfer from a cell the referral is no longer in', () =>
      given([referralSent({ cellId: 'berkane' })]).when(act('MoveReferral', transfer, system)).then([]));
  });
});
