import { z } from 'zod';
import { ContractDefinition, IntegrationEvent } from './integration-event';

/**
 * Integration events of the intake context (topic `Topics.intake`).
 *
 * Categories: `mre` (Moroccan residing abroad), `returnee` (Moroccan who came back to settle),
 * `rpt` (ressortissant d'un pays tiers: a foreign national living in the region).
 */
export const BeneficiaryCategories = ['mre', 'returnee', 'rpt'] as const;
export type BeneficiaryCategory = (typeof BeneficiaryCategories)[number];

export const Sexes = ['female', 'male'] as const;
export type Sex = (typeof Sexes)[number];

/** Age bands used by every indicator; a band, not a birth date, crosses context borders. */
export const AgeBands = ['0-17', '18-24', '25-34', '35-44', '45-59', '60+'] as const;
export type AgeBand = (typeof AgeBands)[number];

export const ageBandOf = (birthYear: number, atYear: number): AgeBand => {
  const age = atYear - birthYear;
  if (age < 18) return '0-17';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 60) return '45-59';
  return '60+';
};

export const consentSchema = z.object({
  /** to receive guidance and support from the cell */
  services: z.boolean(),
  /** to share the case with partner services (referrals need it, or a recorded override) */
  sharing: z.boolean(),
  /** to be counted, pseudonymously, in statistics */
  statistics: z.boolean(),
});
export type Consent = z.infer<typeof consentSchema>;

/** The purposes a beneficiary consents to, each given and withdrawn on its own (law 09-08). */
export const ConsentPurposes = ['services', 'sharing', 'statistics'] as const;
export type ConsentPurpose = (typeof ConsentPurposes)[number];

export const Languages = ['arabic', 'tamazight', 'french', 'spanish', 'english', 'other'] as const;
export type Language = (typeof Languages)[number];

/** Why an MRE came to the cell. */
export const VisitPurposes = ['administrative', 'investment', 'family', 'holiday', 'return_preparation', 'other'] as const;
export const ReturnKinds = ['voluntary', 'forced', 'retirement', 'end_of_studies', 'other'] as const;
/** An RPT's status in Morocco. */
export const ResidenceStatuses = ['regular_resident', 'irregular', 'asylum_seeker', 'refugee', 'student', 'other'] as const;
export const NeedPriorities = ['high', 'medium', 'low'] as const;
export type NeedPriority = (typeof NeedPriorities)[number];
export const CloseReasons = ['resolved', 'referred_out', 'unreachable', 'moved_away', 'deceased', 'other'] as const;
export type CloseReason = (typeof CloseReasons)[number];
export const FollowUpOutcomes = ['held', 'missed', 'cancelled'] as const;
export type FollowUpOutcome = (typeof FollowUpOutcomes)[number];
export const TransferReasons = ['moved', 'closer_to_services', 'specialised_support', 'other'] as const;
export type TransferReason = (typeof TransferReasons)[number];

const isoCountry = z.string().regex(/^[A-Z]{2}$/);
/** A calendar day, `YYYY-MM-DD`. */
export const isoDate = z.iso.date();

/**
 * What a cell learns of a beneficiary beside personal data, by category: the attributes reports
 * use. Every field is optional (often learnt on a later visit); which fields a category may
 * carry is intake's rule (an MRE has no return date).
 */
export const beneficiaryProfileSchema = z.object({
  /** MRE: ISO 3166-1 alpha-2 country of residence. */
  countryOfResidence: isoCountry.optional(),
  /** MRE: why they came. */
  visitPurpose: z.enum(VisitPurposes).optional(),
  /** Returnee */
  returnDate: isoDate.optional(),
  /** Returnee: ISO 3166-1 alpha-2 country they came back from. */
  returnedFrom: isoCountry.optional(),
  returnKind: z.enum(ReturnKinds).optional(),
  /** RPT */
  residenceStatus: z.enum(ResidenceStatuses).optional(),
  /** RPT: year they arrived in Morocco. */
  arrivalYear: z.int().min(1900).max(2100).optional(),
  /** Anyone */
  languages: z.array(z.enum(Languages)).optional(),
});
export type BeneficiaryProfile = z.infer<typeof beneficiaryProfileSchema>;

export const beneficiaryRegisteredV1 = z.object({
  beneficiaryId: z.string().uuid(),
  cellId: z.string().min(1),
  category: z.enum(BeneficiaryCategories),
  sex: z.enum(Sexes),
  ageBand: z.enum(AgeBands),
  /** ISO 3166-1 alpha-2 */
  nationality: z.string().regex(/^[A-Z]{2}$/),
  consent: consentSchema,
  registeredAt: z.string().datetime({ offset: true }),
});
export type BeneficiaryRegisteredV1 = z.infer<typeof beneficiaryRegisteredV1>;

/** v2: the category's profile, as far as the cell knows it at registration. */
export const beneficiaryRegisteredV2 = beneficiaryRegisteredV1.extend({ profile: beneficiaryProfileSchema });
export type BeneficiaryRegisteredV2 = z.infer<typeof beneficiaryRegisteredV2>;

const beneficiaryFact = { beneficiaryId: z.string().uuid() };

/** The profile fields recorded or corrected; fields absent keep their value. */
export const beneficiaryProfileRecordedV1 = z.object({ ...beneficiaryFact, profile: beneficiaryProfileSchema, recordedAt: z.string().datetime({ offset: true }) });
export const consentGivenV1 = z.object({ ...beneficiaryFact, purpose: z.enum(ConsentPurposes), at: z.string().datetime({ offset: true }) });
export const consentWithdrawnV1 = consentGivenV1;
const assessedNeed = z.object({ code: z.string().min(1), priority: z.enum(NeedPriorities) });
export const needsAssessedV1 = z.object({ ...beneficiaryFact, needs: z.array(assessedNeed).min(1), assessedAt: z.string().datetime({ offset: true }) });
export const needMetV1 = z.object({ ...beneficiaryFact, code: z.string().min(1), metAt: z.string().datetime({ offset: true }) });
export const followUpScheduledV1 = z.object({ ...beneficiaryFact, followUpId: z.string().uuid(), dueDate: isoDate, scheduledAt: z.string().datetime({ offset: true }) });
export const followUpRecordedV1 = z.object({
  ...beneficiaryFact,
  followUpId: z.string().uuid(),
  outcome: z.enum(FollowUpOutcomes),
  recordedAt: z.string().datetime({ offset: true }),
});
const transfer = { ...beneficiaryFact, transferId: z.string().uuid(), fromCellId: z.string().min(1), toCellId: z.string().min(1) };
export const transferRequestedV1 = z.object({ ...transfer, reason: z.enum(TransferReasons), requestedAt: z.string().datetime({ offset: true }) });
/** From then on the case belongs to `toCellId`. */
export const transferAcceptedV1 = z.object({ ...transfer, acceptedAt: z.string().datetime({ offset: true }) });
export const transferDeclinedV1 = z.object({ ...transfer, declinedAt: z.string().datetime({ offset: true }) });
export const caseClosedV1 = z.object({ ...beneficiaryFact, reason: z.enum(CloseReasons), closedAt: z.string().datetime({ offset: true }) });
export const caseReopenedV1 = z.object({ ...beneficiaryFact, reopenedAt: z.string().datetime({ offset: true }) });
/** That the person's data was erased (the fact and when, not why): read models drop what they keep for them. */
export const personalDataErasedV1 = z.object({ ...beneficiaryFact, erasedAt: z.string().datetime({ offset: true }) });

export type BeneficiaryProfileRecordedV1 = z.infer<typeof beneficiaryProfileRecordedV1>;
export type ConsentChangedV1 = z.infer<typeof consentGivenV1>;
export type NeedsAssessedV1 = z.infer<typeof needsAssessedV1>;
export type NeedMetV1 = z.infer<typeof needMetV1>;
export type FollowUpScheduledV1 = z.infer<typeof followUpScheduledV1>;
export type FollowUpRecordedV1 = z.infer<typeof followUpRecordedV1>;
export type TransferRequestedV1 = z.infer<typeof transferRequestedV1>;
export type TransferAcceptedV1 = z.infer<typeof transferAcceptedV1>;
export type TransferDeclinedV1 = z.infer<typeof transferDeclinedV1>;
export type CaseClosedV1 = z.infer<typeof caseClosedV1>;
export type CaseReopenedV1 = z.infer<typeof caseReopenedV1>;
export type PersonalDataErasedV1 = z.infer<typeof personalDataErasedV1>;

/**
 * Intake's integration events, latest version each, as consumers see them after
 * `ContractRegistry.parse` (which upcasts older versions).
 */
export type IntakeIntegrationEvent =
  | IntegrationEvent<'BeneficiaryRegistered', BeneficiaryRegisteredV2>
  | IntegrationEvent<'BeneficiaryProfileRecorded', BeneficiaryProfileRecordedV1>
  | IntegrationEvent<'ConsentGiven', ConsentChangedV1>
  | IntegrationEvent<'ConsentWithdrawn', ConsentChangedV1>
  | IntegrationEvent<'NeedsAssessed', NeedsAssessedV1>
  | IntegrationEvent<'NeedMet', NeedMetV1>
  | IntegrationEvent<'FollowUpScheduled', FollowUpScheduledV1>
  | IntegrationEvent<'FollowUpRecorded', FollowUpRecordedV1>
  | IntegrationEvent<'TransferRequested', TransferRequestedV1>
  | IntegrationEvent<'TransferAccepted', TransferAcceptedV1>
  | IntegrationEvent<'TransferDeclined', TransferDeclinedV1>
  | IntegrationEvent<'CaseClosed', CaseClosedV1>
  | IntegrationEvent<'CaseReopened', CaseReopenedV1>
  | IntegrationEvent<'PersonalDataErased', PersonalDataErasedV1>;

export type BeneficiaryRegisteredIntegrationEvent = Extract<IntakeIntegrationEvent, { type: 'BeneficiaryRegistered' }>;

const single = (type: IntakeIntegrationEvent['type'], schema: z.ZodType): ContractDefinition => ({ type, latestVersion: 1, schemas: { 1: schema } });

export const IntakeContracts: ContractDefinition[] = [
  {
    type: 'BeneficiaryRegistered',
    latestVersion: 2,
    schemas: { 1: beneficiaryRegisteredV1, 2: beneficiaryRegisteredV2 },
    // A v1 registration said nothing of the profile.
    upcasters: { 1: (data) => ({ ...(data as BeneficiaryRegisteredV1), profile: {} }) },
  },
  single('BeneficiaryProfileRecorded', beneficiaryProfileRecordedV1),
  single('ConsentGiven', consentGivenV1),
  single('ConsentWithdrawn', consentWithdrawnV1),
  single('NeedsAssessed', needsAssessedV1),
  single('NeedMet', needMetV1),
  single('FollowUpScheduled', followUpScheduledV1),
  single('FollowUpRecorded', followUpRecordedV1),
  single('TransferRequested', transferRequestedV1),
  single('TransferAccepted', transferAcceptedV1),
  single('TransferDeclined', transferDeclinedV1),
  single('CaseClosed', caseClosedV1),
  single('CaseReopened', caseReopenedV1),
  single('PersonalDataErased', personalDataErasedV1),
];
