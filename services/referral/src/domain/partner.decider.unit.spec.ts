import { specFor } from '@oriental/domain-kit';
import { PartnerEvent, PartnerListing } from './partner';
import { partnerDecider } from './partner.decider';

const given = specFor(partnerDecider);
const now = new Date('2026-07-15T09:30:00.000Z');
const actor = 'system:referral-seed';

const listing = (overrides: Partial<PartnerListing> = {}): PartnerListing => ({
  partnerId: 'chr-al-farabi',
  name: 'Centre hospitalier régional Al Farabi',
  kind: 'health_facility',
  provinces: ['oujda-angad', 'berkane'],
  needs: ['health', 'psychosocial_support'],
  responseDelayDays: 5,
  ...overrides,
});
const listPartner = (overrides: Partial<PartnerListing> = {}) => ({ type: 'ListPartner' as const, data: { listing: listing(overrides), actor, now } });
const registered = (overrides: Partial<PartnerListing> = {}): PartnerEvent => ({
  type: 'PartnerRegistered',
  data: { ...listing(overrides), registeredAt: now.toISOString(), by: actor },
});

describe('Partner', () => {
  describe('when the directory lists a new partner', () => {
    it('registers it', () => given([]).when(listPartner()).then([registered()]));
  });

  describe('when the directory lists it again', () => {
    it('records nothing when the listing says the same', () => given([registered()]).when(listPartner()).then([]));
    it('records nothing when only the order of provinces and needs differs', () =>
      given([registered()]).when(listPartner({ provinces: ['berkane', 'oujda-angad'], needs: ['psychosocial_support', 'health'] })).then([]));
    it('records the new listing whole when it changed', () =>
      given([registered()])
        .when(listPartner({ responseDelayDays: 3, needs: ['health'] }))
        .then([{ type: 'PartnerUpdated', data: { ...listing({ responseDelayDays: 3, needs: ['health'] }), updatedAt: now.toISOString(), by: actor } }]));
  });
});
