import type { PartnerListing } from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';

/**
 * A partner: a service a cell refers beneficiaries to (a public administration, a consulate,
 * a hospital, a school, an employment agency, an NGO…), with the provinces it serves, the
 * needs it covers and the days within which it answers a referral. The directory is seeded
 * from reference data (`partners.json`); from then on each partner is the stream `partner-<id>`.
 */
export type { PartnerListing };

export type PartnerRegistered = DomainEvent<'PartnerRegistered', PartnerListing & { registeredAt: string; by: string }>;
/** The listing as it now is, whole. */
export type PartnerUpdated = DomainEvent<'PartnerUpdated', PartnerListing & { updatedAt: string; by: string }>;

export type PartnerEvent = PartnerRegistered | PartnerUpdated;

export type Partner = { status: 'unknown' } | ({ status: 'listed' } & PartnerListing);

export const initialPartnerState: Partner = { status: 'unknown' };

const listingOf = (data: PartnerListing): PartnerListing => ({
  partnerId: data.partnerId,
  name: data.name,
  kind: data.kind,
  provinces: [...data.provinces],
  needs: [...data.needs],
  responseDelayDays: data.responseDelayDays,
});

export const evolvePartner = (_state: Partner, event: PartnerEvent): Partner => {
  switch (event.type) {
    case 'PartnerRegistered':
    case 'PartnerUpdated':
      return { status: 'listed', ...listingOf(event.data) };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

/** Two listings say the same (order of provinces and needs aside). */
export const sameListing = (a: PartnerListing, b: PartnerListing): boolean => {
  const set = (values: string[]) => [...values].sort().join('\u0000');
  return (
    a.partnerId === b.partnerId &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.responseDelayDays === b.responseDelayDays &&
    set(a.provinces) === set(b.provinces) &&
    set(a.needs) === set(b.needs)
  );
};

export const PARTNER_CATEGORY = 'partner';

export const partnerStream = (partnerId: string): string => `${PARTNER_CATEGORY}-${partnerId}`;
