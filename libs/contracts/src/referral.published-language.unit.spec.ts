import { StoredEvent } from './envelope';
import { ContractRegistry } from './integration-event';
import { ReferralContracts } from './referral.events';
import { publishReferralEvent } from './referral.published-language';

const stored = (type: string, data: object, schemaVersion = 1): StoredEvent => ({
  id: '3f0e6c1a-8d4b-4c2e-9f1a-0b2c3d4e5f60',
  type,
  schemaVersion,
  data,
  metadata: { correlationId: 'c', causationId: 'c', actor: 'agent:oujda-1', occurredAt: '2026-07-15T09:30:00.000Z' },
  stream: 'referral-0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01',
  revision: 0,
  position: '7',
});
const referralId = '0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01';
const registry = new ContractRegistry(ReferralContracts);

describe("referral's published language", () => {
  it('publishes a sent referral without its note or the override’s reason, saying only that consent was overridden', () => {
    const published = publishReferralEvent(
      stored('ReferralSent', {
        referralId,
        beneficiaryId: '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01',
        cellId: 'oujda',
        partnerId: 'chr-al-farabi',
        need: 'health',
        note: 'lives with her aunt in Lazaret',
        consentOverride: { reason: 'emergency at night', by: 'agent:oujda-1' },
        answerDueBy: '2026-07-20T09:30:00.000Z',
        sentAt: '2026-07-15T09:30:00.000Z',
        by: 'agent:oujda-1',
      }),
    );
    expect(published).toEqual({
      type: 'ReferralSent',
      schemaVersion: 1,
      data: {
        referralId,
        beneficiaryId: '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01',
        cellId: 'oujda',
        partnerId: 'chr-al-farabi',
        need: 'health',
        consentOverridden: true,
        answerDueBy: '2026-07-20T09:30:00.000Z',
        sentAt: '2026-07-15T09:30:00.000Z',
      },
    });
    expect(JSON.stringify(published)).not.toMatch(/Lazaret|emergency/);
  });

  it.each([
    ['ReferralAccepted', { referralId, note: 'secret', acceptedAt: '2026-07-16T09:30:00.000Z', by: 'p' }, { referralId, acceptedAt: '2026-07-16T09:30:00.000Z' }],
    ['ReferralDeclined', { referralId, reason: 'no_capacity', note: 'secret', declinedAt: '2026-07-16T09:30:00.000Z', by: 'p' }, { referralId, reason: 'no_capacity', declinedAt: '2026-07-16T09:30:00.000Z' }],
    ['ReferralCompleted', { referralId, outcome: 'resolved', note: 'secret', completedAt: '2026-07-16T09:30:00.000Z', by: 'p' }, { referralId, outcome: 'resolved', completedAt: '2026-07-16T09:30:00.000Z' }],
    ['ReferralRevoked', { referralId, reason: 'case_closed', revokedAt: '2026-07-16T09:30:00.000Z', by: 's' }, { referralId, reason: 'case_closed', revokedAt: '2026-07-16T09:30:00.000Z' }],
    ['ReferralFlagged', { referralId, reason: 'consent_withdrawn', flaggedAt: '2026-07-16T09:30:00.000Z', by: 's' }, { referralId, reason: 'consent_withdrawn', flaggedAt: '2026-07-16T09:30:00.000Z' }],
    ['ReferralFlagCleared', { referralId, reason: 'consent_withdrawn', clearedAt: '2026-07-16T09:30:00.000Z', by: 's' }, { referralId, reason: 'consent_withdrawn', clearedAt: '2026-07-16T09:30:00.000Z' }],
    [
      'ReferralMoved',
      { referralId, transferId: '9d7c3f1e-3b5a-4c8e-8f2d-1a2b3c4d5e6f', fromCellId: 'oujda', toCellId: 'nador', movedAt: '2026-07-16T09:30:00.000Z', by: 's' },
      { referralId, fromCellId: 'oujda', toCellId: 'nador', movedAt: '2026-07-16T09:30:00.000Z' },
    ],
  ])('publishes %s without notes or actor fields', (type, data, expected) => {
    const published = publishReferralEvent(stored(type, data));
    expect(published).toEqual({ type, schemaVersion: 1, data: expected });
    expect(() => registry.validate(type, 1, published!.data)).not.toThrow();
  });

  it('publishes the partner directory', () => {
    const listing = { partnerId: 'chr-al-farabi', name: 'CHR', kind: 'health_facility', provinces: ['nador'], needs: ['health'], responseDelayDays: 5 };
    expect(publishReferralEvent(stored('PartnerRegistered', { ...listing, registeredAt: '2026-07-15T09:30:00.000Z', by: 's' }))).toEqual({
      type: 'PartnerRegistered',
      schemaVersion: 1,
      data: { ...listing, registeredAt: '2026-07-15T09:30:00.000Z' },
    });
    expect(publishReferralEvent(stored('PartnerUpdated', { ...listing, updatedAt: '2026-07-15T09:30:00.000Z', by: 's' }))?.type).toBe('PartnerUpdated');
  });

  it('publishes nothing for a type or version it does not know', () => {
    expect(publishReferralEvent(stored('SomethingElse', {}))).toBeNull();
    expect(publishReferralEvent(stored('ReferralAccepted', { referralId, acceptedAt: '2026-07-16T09:30:00.000Z' }, 2))).toBeNull();
  });

  it('refuses to publish what breaks its contract', () => {
    expect(() => publishReferralEvent(stored('ReferralDeclined', { referralId, reason: 'bored', declinedAt: '2026-07-16T09:30:00.000Z' }))).toThrow();
  });
});
