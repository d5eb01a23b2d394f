import { publishReferralEvent, StoredEvent, Topics } from '@oriental/contracts';
import { BusMessage, integrationMessage } from '@oriental/messaging';
import { PARTNER_CATEGORY, REFERRAL_CATEGORY } from '@oriental/referral-domain';

/**
 * What the forwarder publishes for each referral and partner event: the published language,
 * never notes nor an override's reason. Referral events are keyed by beneficiary (one journey,
 * one partition, in order), partner events by their stream.
 */
export const toReferralMessage = (event: StoredEvent): BusMessage | null => {
  const published = publishReferralEvent(event);
  return published ? integrationMessage(Topics.referral, event, published.type, published.schemaVersion, published.data) : null;
};

export const referralStreamPrefixes = [`${REFERRAL_CATEGORY}-`, `${PARTNER_CATEGORY}-`];
