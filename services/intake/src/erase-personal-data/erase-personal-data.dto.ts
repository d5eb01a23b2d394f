import { ErasureReasons } from '@oriental/intake-domain';
import { z } from 'zod';

/**
 * `POST /beneficiaries/{id}/erasure`: why the person's personal data is erased. A reason from a
 * closed list, no free text: the erasure stays in the log in clear, after the key is gone.
 */
export const erasePersonalDataBody = z.strictObject({
  reason: z.enum(ErasureReasons).meta({ description: "The ground of the erasure: the person's request, a consent withdrawn, retention over, unlawful processing, a legal obligation" }),
});

export type ErasePersonalDataBody = z.output<typeof erasePersonalDataBody>;
