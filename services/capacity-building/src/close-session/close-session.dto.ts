import { z } from 'zod';
import { emptyBody } from '../training/training-http';

/** `POST /sessions/{id}/close` takes no body (or `{}`). */
export const closeSessionBody = emptyBody;

export const sessionClosedAnswer = z.object({
  sessionId: z.uuid(),
  enrolled: z.int().nonnegative().meta({ description: 'Participants enrolled when it closed' }),
  completed: z.int().nonnegative().meta({ description: 'Those of them who met the programme’s attendance threshold' }),
  certificates: z
    .array(z.object({ participantId: z.uuid(), code: z.string().meta({ example: 'CB-7K3M-Q9XA-2D4F', description: 'Verification code: GET /certificates/{code}' }) }))
    .meta({ description: 'One per participant who completed' }),
});
