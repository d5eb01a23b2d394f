import { safeText } from '@oriental/service-kit';
import { z } from 'zod';

/** Free text: no NUL, controls but line breaks, bidi overrides, lone surrogates or blank text (400). */
export const note = safeText(2000, { multiline: true }).meta({ description: 'Free text for the cell and the partner; never published to other contexts' });

/** The body of `POST /referrals`, defined once (handler type, 400s, OpenAPI schema, test builder). */
export const sendReferralBody = z.strictObject({
  beneficiaryId: z.string().uuid().meta({ description: 'Pseudonymous id intake gave the beneficiary' }),
  need: z
    .string()
    .regex(/^[a-z0-9_]{1,60}$/, 'must be a need code such as "health"')
    .meta({ example: 'health', description: 'Need code from the reference data (needs.json)' }),
  partnerId: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'must be a partner id such as "chr-al-farabi"')
    .meta({ example: 'chr-al-farabi', description: 'Partner of the directory (GET /partners)' }),
  note: note.optional(),
  override: z
    .strictObject({ reason: safeText(500, { min: 3 }).meta({ example: 'Medical emergency; the beneficiary cannot be reached to consent' }) })
    .optional()
    .meta({ description: 'Sends without the beneficiary’s consent to sharing; the reason is recorded with who overrode' }),
});

export type SendReferralBody = z.output<typeof sendReferralBody>;

/** What `POST /referrals` answers (201, with Location and ETag), defined once for the handler's type and the OpenAPI document. */
export const referralCreatedAnswer = z.object({ referralId: z.uuid().meta({ description: 'The new referral (Location: /referrals/{referralId})' }) });

export type ReferralCreatedAnswer = z.output<typeof referralCreatedAnswer>;
