import { StoredEvent } from './envelope';
import {
  DeclineReason,
  FlagReason,
  PartnerListing,
  PartnerRegisteredV1,
  PartnerUpdatedV1,
  ReferralAcceptedV1,
  ReferralCompletedV1,
  ReferralDeclinedV1,
  referralEventSchemas,
  ReferralFlagClearedV1,
  ReferralFlaggedV1,
  ReferralIntegrationEvent,
  ReferralMovedV1,
  ReferralOutcome,
  ReferralRevokedV1,
  ReferralSentV1,
  RevokeReason,
} from './referral.events';

/**
 * Referral's published language: how a stored event of a `referral-<id>` or `partner-<id>`
 * stream becomes what other contexts may see, for referral's forwarder (live) and for any
 * read model rebuilt from the log (replay). It lives in contracts for the same reason as
 * intake's (`intake.published-language.ts`).
 *
 * It never lets out free text: agents' notes and the reason typed for a consent override stay
 * in the referral's stream; the published event says only that an override was recorded.
 */
interface StoredReferralSentV1 {
  referralId: string;
  beneficiaryId: string;
  cellId: string;
  partnerId: string;
  need: string;
  note?: string;
  consentOverride?: { reason: string; by: string };
  answerDueBy: string;
  sentAt: string;
}
interface StoredReferralFact {
  referralId: string;
}
/** Stored partner events hold the listing as the contract defines it. */
type StoredPartnerListingV1 = PartnerListing;

type ReferralPublished = { [Type in ReferralIntegrationEvent['type']]: { type: Type; schemaVersion: 1; data: Extract<ReferralIntegrationEvent, { type: Type }>['data'] } }[ReferralIntegrationEvent['type']];

const published = <Type extends ReferralIntegrationEvent['type']>(type: Type, data: Extract<ReferralIntegrationEvent, { type: Type }>['data']) =>
  ({ type, schemaVersion: 1, data: referralEventSchemas[type].parse(data) }) as ReferralPublished;

const listing = (stored: StoredPartnerListingV1) => ({
  partnerId: stored.partnerId,
  name: stored.name,
  kind: stored.kind,
  provinces: [...stored.provinces],
  needs: [...stored.needs],
  responseDelayDays: stored.responseDelayDays,
});

export const publishReferralEvent = (event: StoredEvent): ReferralPublished | null => {
  if (event.schemaVersion !== 1) return null;
  switch (event.type) {
    case 'ReferralSent': {
      const stored = event.data as StoredReferralSentV1;
      return published('ReferralSent', {
        referralId: stored.referralId,
        beneficiaryId: stored.beneficiaryId,
        cellId: stored.cellId,
        partnerId: stored.partnerId,
        need: stored.need,
        consentOverridden: stored.consentOverride !== undefined,
        answerDueBy: stored.answerDueBy,
        sentAt: stored.sentAt,
      } satisfies ReferralSentV1);
    }
    case 'ReferralAccepted': {
      const stored = event.data as StoredReferralFact & { acceptedAt: string };
      return published('ReferralAccepted', { referralId: stored.referralId, acceptedAt: stored.acceptedAt } satisfies ReferralAcceptedV1);
    }
    case 'ReferralDeclined': {
      const stored = event.data as StoredReferralFact & { reason: DeclineReason; declinedAt: string };
      return published('ReferralDeclined', { referralId: stored.referralId, reason: stored.reason, declinedAt: stored.declinedAt } satisfies ReferralDeclinedV1);
    }
    case 'ReferralCompleted': {
      const stored = event.data as StoredReferralFact & { outcome: ReferralOutcome; completedAt: string };
      return published('ReferralCompleted', { referralId: stored.referralId, outcome: stored.outcome, completedAt: stored.completedAt } satisfies ReferralCompletedV1);
    }
    case 'ReferralRevoked': {
      const stored = event.data as StoredReferralFact & { reason: RevokeReason; revokedAt: string };
      return published('ReferralRevoked', { referralId: stored.referralId, reason: stored.reason, revokedAt: stored.revokedAt } satisfies ReferralRevokedV1);
    }
    case 'ReferralFlagged': {
      const stored = event.data as StoredReferralFact & { reason: FlagReason; flaggedAt: string };
      return published('ReferralFlagged', { referralId: stored.referralId, reason: stored.reason, flaggedAt: stored.flaggedAt } satisfies ReferralFlaggedV1);
    }
    case 'ReferralFlagCleared': {
      const stored = event.data as StoredReferralFact & { reason: FlagReason; clearedAt: string };
      return published('ReferralFlagCleared', { referralId: stored.referralId, reason: stored.reason, clearedAt: stored.clearedAt } satisfies ReferralFlagClearedV1);
    }
    case 'ReferralMoved': {
      const stored = event.data as StoredReferralFact & { fromCellId: string; toCellId: string; movedAt: string };
      return published('ReferralMoved', {
        referralId: stored.referralId,
        fromCellId: stored.fromCellId,
        toCellId: stored.toCellId,
        movedAt: stored.movedAt,
      } satisfies ReferralMovedV1);
    }
    case 'PartnerRegistered': {
      const stored = event.data as StoredPartnerListingV1 & { registeredAt: string };
      return published('PartnerRegistered', { ...listing(stored), registeredAt: stored.registeredAt } satisfies PartnerRegisteredV1);
    }
    case 'PartnerUpdated': {
      const stored = event.data as StoredPartnerListingV1 & { updatedAt: string };
      return published('PartnerUpdated', { ...listing(stored), updatedAt: stored.updatedAt } satisfies PartnerUpdatedV1);
    }
    default:
      return null;
  }
};
