import { z } from 'zod';
import { DeclineReasons } from '@oriental/contracts';
import { note } from '../send-referral/send-referral.dto';

/** The body of `POST /referrals/{id}/decline`. */
export const declineReferralBody = z.strictObject({ reason: z.enum(DeclineReasons), note: note.optional() });
export type DeclineReferralBody = z.output<typeof declineReferralBody>;
