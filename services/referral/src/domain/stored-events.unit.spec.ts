import { fold } from '@oriental/domain-kit';
import { StoredEvent } from '@oriental/contracts';
import { referralDecider } from './referral.decider';
import { decodePartnerEvent, decodeReferralEvent, encodeReferralContextEvent } from './stored-events';

const stored = (type: string, data: object, schemaVersion = 1): StoredEvent =>
  ({ id: 'x', type, schemaVersion, data, metadata: {}, stream: 'referral-1', revision: 0, position: '1' }) as unknown as StoredEvent;

describe('stored referral events', () => {
  it('decode to the domain events they were encoded from, and fold into state', () => {
    const sent = {
      type: 'ReferralSent' as const,
      data: { referralId: 'r', beneficiaryId: 'b', cellId: 'oujda', partnerId: 'p', need: 'health', answerDueBy: '2026-07-20T00:00:00.000Z', sentAt: '2026-07-15T00:00:00.000Z', by: 'a' },
    };
    const accepted = { type: 'ReferralAccepted' as const, data: { referralId: 'r', acceptedAt: '2026-07-16T00:00:00.000Z', by: 'p' } };
    const events = [sent, accepted].map((event) => decodeReferralEvent(stored(event.type, encodeReferralContextEvent(event).data as object)));
    expect(events).toEqual([sent, accepted]);
    expect(fold(referralDecider, events)).toMatchObject({ status: 'accepted', cellId: 'oujda', answeredAt: '2026-07-16T00:00:00.000Z' });
  });

  it('refuses a type of another stream, and an unknown schema version', () => {
    expect(() => decodeReferralEvent(stored('PartnerRegistered', {}))).toThrow(/Unknown referral event type PartnerRegistered in referral-1/);
    expect(() => decodePartnerEvent(stored('ReferralSent', {}))).toThrow(/Unknown partner event type/);
    expect(() => decodeReferralEvent(stored('ReferralAccepted', {}, 2))).toThrow(/Unknown schema version 2/);
  });
});
