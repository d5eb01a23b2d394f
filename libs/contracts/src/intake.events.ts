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

export type BeneficiaryRegisteredIntegrationEvent = IntegrationEvent<'BeneficiaryRegistered', BeneficiaryRegisteredV1>;

export const IntakeContracts: ContractDefinition[] = [
  { type: 'BeneficiaryRegistered', latestVersion: 1, schemas: { 1: beneficiaryRegisteredV1 } },
];
