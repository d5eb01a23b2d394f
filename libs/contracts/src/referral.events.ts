import { z } from 'zod';
import { ContractDefinition, IntegrationEvent } from './integration-event';

/**
 * Integration events of the referral context (topic `Topics.referral`).
 *
 * A *referral* (orientation) is a cell sending a beneficiary to a partner service (an
 * administration, a consulate, a hospital, a school, an NGO…) for one need of the catalogue
 * (reference data `needs.json`). The partner answers (accepts or declines) within its response
 * delay, or the referral is *overdue*; an accepted referral is completed with an outcome. A
 * *partner* is an entry of the partner directory, seeded from reference data `partners.json`
 * and kept as events in `partner-<id>` streams.
 *
 * Published events never carry the free-text notes agents write, nor the reason typed for a
 * consent override: only that one was recorded.
 */
export const DeclineReasons = ['out_of_scope', 'no_capacity', 'not_eligible', 'unreachable', 'other'] as const;
export type DeclineReason = (typeof DeclineReasons)[number];

export const ReferralOutcomes = ['resolved', 'partially_resolved', 'not_resolved'] as const;
export type ReferralOutcome = (typeof ReferralOutcomes)[number];

/** Why an agent withdraws a referral. */
export const AgentRevokeReasons = ['sent_in_error', 'need_met_elsewhere', 'beneficiary_request', 'other'] as const;
/** Every revocation reason: the agent's, and `case_closed` (intake closed the case: referral revokes by itself). */
export const RevokeReasons = [...AgentRevokeReasons, 'case_closed'] as const;
export type RevokeReason = (typeof RevokeReasons)[number];

/** Why a referral is flagged for the cell's attention (shown in lists; the referral stays as it is). */
export const FlagReasons = ['consent_withdrawn'] as const;
export type FlagReason = (typeof FlagReasons)[number];

export const ReferralStatuses = ['sent', 'accepted', 'declined', 'completed', 'revoked'] as const;
export type ReferralStatus = (typeof ReferralStatuses)[number];

const instant = z.string().datetime({ offset: true });
const referralFact = { referralId: z.string().uuid() };

export const referralSentV1 = z.object({
  ...referralFact,
  beneficiaryId: z.string().uuid(),
  cellId: z.string().min(1),
  partnerId: z.string().min(1),
  need: z.string().min(1),
  /** True when it was sent without the beneficiary's consent to sharing, under a recorded override. */
  consentOverridden: z.boolean(),
  /** When the partner's answer is due (sent + the partner's response delay): later, it is overdue. */
  answerDueBy: instant,
  sentAt: instant,
});
export const referralAcceptedV1 = z.object({ ...referralFact, acceptedAt: instant });
export const referralDeclinedV1 = z.object({ ...referralFact, reason: z.enum(DeclineReasons), declinedAt: instant });
export const referralCompletedV1 = z.object({ ...referralFact, outcome: z.enum(ReferralOutcomes), completedAt: instant });
export const referralRevokedV1 = z.object({ ...referralFact, reason: z.enum(RevokeReasons), revokedAt: instant });
export const referralFlaggedV1 = z.object({ ...referralFact, reason: z.enum(FlagReasons), flaggedAt: instant });
/** The flag no longer holds (e.g. consent to sharing given again). */
export const referralFlagClearedV1 = z.object({ ...referralFact, reason: z.enum(FlagReasons), clearedAt: instant });
/** The case was transferred: the referral follows it to `toCellId`. */
export const referralMovedV1 = z.object({ ...referralFact, fromCellId: z.string().min(1), toCellId: z.string().min(1), movedAt: instant });

/** A partner's entry in the directory: the one definition the referral domain, its events and the directory share. */
const partnerListing = {
  partnerId: z.string().min(1),
  name: z.string().min(1),
  kind: z.string().min(1),
  /** Province and prefecture ids (reference data) it serves. */
  provinces: z.array(z.string().min(1)).min(1),
  /** Need codes it covers. */
  needs: z.array(z.string().min(1)).min(1),
  /** Days within which it answers a referral. */
  responseDelayDays: z.int().min(1).max(365),
};
export const partnerListingSchema = z.object(partnerListing);
export type PartnerListing = z.infer<typeof partnerListingSchema>;
export const partnerRegisteredV1 = z.object({ ...partnerListing, registeredAt: instant });
/** The listing as it now is, whole. */
export const partnerUpdatedV1 = z.object({ ...partnerListing, updatedAt: instant });

export type ReferralSentV1 = z.infer<typeof referralSentV1>;
export type ReferralAcceptedV1 = z.infer<typeof referralAcceptedV1>;
export type ReferralDeclinedV1 = z.infer<typeof referralDeclinedV1>;
export type ReferralCompletedV1 = z.infer<typeof referralCompletedV1>;
export type ReferralRevokedV1 = z.infer<typeof referralRevokedV1>;
export type ReferralFlaggedV1 = z.infer<typeof referralFlaggedV1>;
export type ReferralFlagClearedV1 = z.infer<typeof referralFlagClearedV1>;
export type ReferralMovedV1 = z.infer<typeof referralMovedV1>;
export type PartnerRegisteredV1 = z.infer<typeof partnerRegisteredV1>;
export type PartnerUpdatedV1 = z.infer<typeof partnerUpdatedV1>;

/** Referral's integration events, latest version each, as consumers see them after `ContractRegistry.parse`. */
export type ReferralIntegrationEvent =
  | IntegrationEvent<'ReferralSent', ReferralSentV1>
  | IntegrationEvent<'ReferralAccepted', ReferralAcceptedV1>
  | IntegrationEvent<'ReferralDeclined', ReferralDeclinedV1>
  | IntegrationEvent<'ReferralCompleted', ReferralCompletedV1>
  | IntegrationEvent<'ReferralRevoked', ReferralRevokedV1>
  | IntegrationEvent<'ReferralFlagged', ReferralFlaggedV1>
  | IntegrationEvent<'ReferralFlagCleared', ReferralFlagClearedV1>
  | IntegrationEvent<'ReferralMoved', ReferralMovedV1>
  | IntegrationEvent<'PartnerRegistered', PartnerRegisteredV1>
  | IntegrationEvent<'PartnerUpdated', PartnerUpdatedV1>;

/** The schema of each event's latest version: what the published language validates against. */
export const referralEventSchemas = {
  ReferralSent: referralSentV1,
  ReferralAccepted: referralAcceptedV1,
  ReferralDeclined: referralDeclinedV1,
  ReferralCompleted: referralCompletedV1,
  ReferralRevoked: referralRevokedV1,
  ReferralFlagged: referralFlaggedV1,
  ReferralFlagCleared: referralFlagClearedV1,
  ReferralMoved: referralMovedV1,
  PartnerRegistered: partnerRegisteredV1,
  PartnerUpdated: partnerUpdatedV1,
} as const satisfies Record<ReferralIntegrationEvent['type'], z.ZodType>;

export const ReferralContracts: ContractDefinition[] = Object.entries(referralEventSchemas).map(([type, schema]) => ({
  type,
  latestVersion: 1,
  schemas: { 1: schema },
}));
