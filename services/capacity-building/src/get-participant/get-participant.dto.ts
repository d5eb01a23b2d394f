import { ActorTypes, Sexes } from '@oriental/contracts';
import { participantNamesSchema } from '@oriental/capacity-building-domain';
import { z } from 'zod';

/** What `GET /participants/{id}` answers, defined once for the handler's type and the OpenAPI document. */
export const participantAnswer = z.object({
  participantId: z.uuid(),
  actorType: z.enum(ActorTypes),
  sex: z.enum(Sexes),
  organisation: z.string(),
  commune: z.string(),
  province: z.string(),
  registeredAt: z.string(),
  names: participantNamesSchema
    .nullable()
    .optional()
    .meta({ description: 'Trainers only: the names, opened; null when erased. Absent for other readers' }),
  enrolments: z
    .array(
      z.object({
        sessionId: z.uuid(),
        status: z.enum(['enrolled', 'waitlisted', 'withdrawn', 'completed', 'not_completed']).meta({
          description: 'enrolled (holds a place), waitlisted (in line), withdrawn; once the session closed, completed (met the threshold) or not_completed',
        }),
        certificateCode: z.string().optional(),
      }),
    )
    .meta({ description: 'One per session they enrolled in; kept from the sessions’ logs, so it may lag a command by a moment' }),
  certificates: z.array(z.object({ code: z.string(), sessionId: z.uuid(), issuedAt: z.string() })).meta({ description: 'Certificate verification codes (GET /certificates/{code})' }),
});

export type ParticipantAnswer = z.output<typeof participantAnswer>;
