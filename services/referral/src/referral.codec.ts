import { StoredEvent } from '@oriental/contracts';
import { decodePartnerEvent, decodeReferralEvent, encodeReferralContextEvent, PartnerEvent, Referral, ReferralEvent } from '@oriental/referral-domain';
import { EventCodec } from '@oriental/service-kit';

/**
 * Domain events ↔ stored envelopes of `referral-<id>`: stored as they are (nothing sealed).
 * Every event is in its beneficiary's journey, at the referral's cell; a referral that follows
 * its case is recorded at the cell it moves to.
 */
export const referralCodec: EventCodec<ReferralEvent, Referral> = {
  encode: async (event) => encodeReferralContextEvent(event),
  decode: async (stored: StoredEvent) => decodeReferralEvent(stored),
  metadataOf: (event, decidedOn) => {
    if (event.type === 'ReferralSent') return { beneficiaryId: event.data.beneficiaryId, cellId: event.data.cellId };
    if (decidedOn.status === 'none') return {};
    return { beneficiaryId: decidedOn.beneficiaryId, cellId: event.type === 'ReferralMoved' ? event.data.toCellId : decidedOn.cellId };
  },
};

/** Domain events ↔ stored envelopes of `partner-<id>`. */
export const partnerCodec: EventCodec<PartnerEvent> = {
  encode: async (event) => encodeReferralContextEvent(event),
  decode: async (stored: StoredEvent) => decodePartnerEvent(stored),
};
