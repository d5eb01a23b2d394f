import { ApiProperty } from '@nestjs/swagger';
import { BeneficiaryCategories, beneficiaryProfileSchema, consentSchema, Sexes } from '@oriental/contracts';
import { personalDataSchema } from '@oriental/intake-domain';
import { z } from 'zod';

/**
 * The body of `POST /beneficiaries`, defined once: the handler's type, the 400s (ZodBodyPipe),
 * the OpenAPI schema (ApiBodyOf) and the test builder (`aRegistrationBody`) all derive from it.
 * Strict objects: an unknown field is an error, not silently dropped.
 */
export const registerBeneficiaryBody = z.strictObject({
  cellId: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'must be a cell id such as "oujda"')
    .meta({ example: 'oujda', description: 'Id of a reception cell from the reference data' }),
  category: z.enum(BeneficiaryCategories).meta({ description: 'mre: Moroccan residing abroad; returnee; rpt: foreign national' }),
  sex: z.enum(Sexes),
  birthYear: z.int().min(1900).max(2100).meta({ example: 1988 }),
  nationality: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "MA"')
    .meta({ example: 'MA', description: 'ISO 3166-1 alpha-2 country code' }),
  consent: z.strictObject(consentSchema.shape).meta({
    description: 'services: to receive guidance and support from the cell; sharing: to share the case with partner services; statistics: to be counted, pseudonymously',
  }),
  profile: z
    .strictObject(beneficiaryProfileSchema.shape)
    .optional()
    .meta({ description: "The category's attributes as far as known: MRE countryOfResidence, visitPurpose; returnee returnDate, returnedFrom, returnKind; RPT residenceStatus, arrivalYear; anyone languages" }),
  person: personalDataSchema.meta({ description: 'Personal data: encrypted at rest, never published' }),
});

export type RegisterBeneficiaryBody = z.output<typeof registerBeneficiaryBody>;

export class PossibleDuplicateDto {
  @ApiProperty({ format: 'uuid', description: 'A beneficiary registered earlier who may be the same person' })
  beneficiaryId!: string;

  @ApiProperty({ minimum: 0, maximum: 1, example: 0.9, description: '1.0 same phone; 0.9 same name and birth year; 0.8 same name, birth year one off' })
  score!: number;
}

export class BeneficiaryCreatedDto {
  @ApiProperty({ format: 'uuid' })
  beneficiaryId!: string;

  @ApiProperty({
    type: [PossibleDuplicateDto],
    description:
      'Beneficiaries who may be the same person (name in any spelling, birth year within one year, or the same phone), strongest first. They do not stop the registration: link or dismiss them with POST /beneficiaries/{id}/duplicates/{otherId}/link|dismiss. A retry with the same Idempotency-Key answers the same list.',
  })
  possibleDuplicates!: PossibleDuplicateDto[];
}
