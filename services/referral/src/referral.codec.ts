import { StoredEvent } from '@oriental/contracts';
import { decodePartnerEvent, decodeReferralEvent, encodeReferralContextEvent, PartnerEvent, ReferralEvent } from '@oriental/referral-domain';
import { EventCodec } from '@oriental/service-kit';

/** Domain events ↔ stored envelopes of `referral-<id>`: stored as they are (nothing sealed). */
export const referralCodec: EventCodec<ReferralEvent> = {
  encode: async (event) => encodeReferralContextEvent(event),
  decode: async (stored: StoredEvent) => decodeReferralEvent(stored),
};

/** Domain events ↔ stored envelopes of `partner-<id>`. */
export const partnerCodec: EventCodec<PartnerEvent> = {
  encode: async (event) => encodeReferralContextEvent(event),
  decode: async (stored: StoredEvent) => decodePartnerEvent(stored),
};
