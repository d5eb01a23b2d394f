import { z } from 'zod';
import { AgentRevokeReasons } from '@oriental/contracts';
import { note } from '../send-referral/send-referral.dto';

/** The body of `POST /referrals/{id}/revoke` (`case_closed` is referral's own reason, not an agent's). */
export const revokeReferralBody = z.strictObject({ reason: z.enum(AgentRevokeReasons), note: note.optional() });
export type RevokeReferralBody = z.output<typeof revokeReferralBody>;
