import { Decider, DomainCommand } from '@oriental/domain-kit';
import { evolvePartner, initialPartnerState, Partner, PartnerEvent, PartnerListing, sameListing } from './partner';

/**
 * Lists a partner as reference data describes it: registers it the first time, records the
 * listing again when it changed, and does nothing when it says the same. Seeding at every
 * boot is therefore safe.
 */
export type ListPartner = DomainCommand<'ListPartner', { listing: PartnerListing; actor: string; now: Date }>;

export type PartnerCommand = ListPartner;

export const decidePartner = (command: PartnerCommand, state: Partner): PartnerEvent[] => {
  switch (command.type) {
    case 'ListPartner': {
      const { listing, actor, now } = command.data;
      if (state.status === 'unknown') return [{ type: 'PartnerRegistered', data: { ...listing, registeredAt: now.toISOString(), by: actor } }];
      const { status: _status, ...current } = state;
      if (sameListing(current, listing)) return [];
      return [{ type: 'PartnerUpdated', data: { ...listing, updatedAt: now.toISOString(), by: actor } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const partnerDecider: Decider<PartnerCommand, PartnerEvent, Partner> = { decide: decidePartner, evolve: evolvePartner, initialState: initialPartnerState };
