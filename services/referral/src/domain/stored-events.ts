import type { StoredEvent } from '@oriental/contracts';
import { PartnerEvent } from './partner';
import { ReferralEvent } from './referral';

/**
 * How referral's domain events are stored: as they are, schema version 1 each. Referral seals
 * nothing (no personal data), so decoding needs no vault: `decodeReferralEvent` is pure, and
 * other readers of the log (reporting's as-of replay) fold a `referral-<id>` stream with it and
 * `evolve`:
 *
 * ```ts
 * fold(referralDecider, (await store.readStream(referralStream(id))).map(decodeReferralEvent))
 * ```
 */
export const REFERRAL_SCHEMA_VERSION = 1;

const referralTypes: ReadonlySet<string> = new Set<ReferralEvent['type']>([
  'ReferralSent',
  'ReferralAccepted',
  'ReferralDeclined',
  'ReferralCompleted',
  'ReferralRevoked',
  'ReferralFlagged',
  'ReferralFlagCleared',
  'ReferralMoved',
]);
const partnerTypes: ReadonlySet<string> = new Set<PartnerEvent['type']>(['PartnerRegistered', 'PartnerUpdated']);

type Stored = Pick<StoredEvent, 'type' | 'schemaVersion' | 'data'> & { stream?: string };

const decodeWith =
  <Event extends { type: string; data: unknown }>(types: ReadonlySet<string>, what: string) =>
  (stored: Stored): Event => {
    if (!types.has(stored.type)) throw new Error(`Unknown ${what} event type ${stored.type}${stored.stream ? ` in ${stored.stream}` : ''}`);
    if (stored.schemaVersion !== REFERRAL_SCHEMA_VERSION) {
      throw new Error(`Unknown schema version ${stored.schemaVersion} of ${stored.type}${stored.stream ? ` in ${stored.stream}` : ''}`);
    }
    return { type: stored.type, data: stored.data } as Event;
  };

/** A stored event of a `referral-<id>` stream as the domain event it records. */
export const decodeReferralEvent: (stored: Stored) => ReferralEvent = decodeWith<ReferralEvent>(referralTypes, 'referral');

/** A stored event of a `partner-<id>` stream as the domain event it records. */
export const decodePartnerEvent: (stored: Stored) => PartnerEvent = decodeWith<PartnerEvent>(partnerTypes, 'partner');

/** What is stored for a domain event of either stream. */
export const encodeReferralContextEvent = (event: ReferralEvent | PartnerEvent): { type: string; schemaVersion: number; data: unknown } => ({
  type: event.type,
  schemaVersion: REFERRAL_SCHEMA_VERSION,
  data: event.data,
});
