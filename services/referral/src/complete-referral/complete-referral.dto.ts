import { z } from 'zod';
import { ReferralOutcomes } from '@oriental/contracts';
import { note } from '../send-referral/send-referral.dto';

/** The body of `POST /referrals/{id}/complete`. */
export const completeReferralBody = z.strictObject({ outcome: z.enum(ReferralOutcomes), note: note.optional() });
export type CompleteReferralBody = z.output<typeof completeReferralBody>;
