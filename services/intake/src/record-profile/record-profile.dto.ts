import { beneficiaryProfileSchema } from '@oriental/contracts';
import { personalDataSchema } from '@oriental/intake-domain';
import { z } from 'zod';

/** `POST /beneficiaries/{id}/profile`: the profile and personal data fields to record or correct; those absent keep their value. */
export const recordProfileBody = z
  .strictObject({
    profile: z.strictObject(beneficiaryProfileSchema.shape).optional().meta({ description: 'Profile fields; each must fit the category (422 PROFILE_FIELD_NOT_FOR_CATEGORY)' }),
    person: personalDataSchema.partial().optional().meta({ description: 'Personal data fields: encrypted at rest, never published' }),
  })
  .refine((body) => Object.keys(body.profile ?? {}).length + Object.keys(body.person ?? {}).length > 0, 'must give at least one profile or person field');

export type RecordProfileBody = z.output<typeof recordProfileBody>;
