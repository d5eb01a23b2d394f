import { needsAssessedV1 } from '@oriental/contracts';
import { z } from 'zod';

/** `POST /beneficiaries/{id}/needs`: needs assessed, each a code of the needs catalogue with a priority (the published need's shape). */
export const assessNeedsBody = z.strictObject({
  needs: z
    .array(z.strictObject(needsAssessedV1.shape.needs.element.shape))
    .min(1)
    .max(50)
    .refine((needs) => new Set(needs.map((need) => need.code)).size === needs.length, 'must not name a need twice')
    .meta({ example: [{ code: 'legal_aid', priority: 'high' }], description: 'Codes from the needs catalogue (reference data)' }),
});

export type AssessNeedsBody = z.output<typeof assessNeedsBody>;
