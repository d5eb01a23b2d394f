import { z } from 'zod';
import { emptyBody } from '../training/training-http';

/** `POST /sessions/{id}/enrolments/{participantId}/withdraw` takes no body (or `{}`). */
export const withdrawParticipantBody = emptyBody;

export const withdrawalAnswer = z.object({
  status: z.literal('withdrawn'),
  promotedParticipantId: z.uuid().optional().meta({ description: 'Who got the freed place: the first in line, enrolled in the same append. Absent when a place in line was left, or nobody was waiting' }),
});
