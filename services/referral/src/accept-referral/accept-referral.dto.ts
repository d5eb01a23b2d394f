import { z } from 'zod';
import { note } from '../send-referral/send-referral.dto';

/** The body of `POST /referrals/{id}/accept`. */
export const acceptReferralBody = z.strictObject({ note: note.optional() });
export type AcceptReferralBody = z.output<typeof acceptReferralBody>;
