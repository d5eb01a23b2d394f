import { EnrolmentStatuses } from '@oriental/contracts';
import { z } from 'zod';

/** `POST /sessions/{id}/enrolments`: who enrols. */
export const enrolParticipantBody = z.strictObject({ participantId: z.uuid().meta({ description: 'A registered participant (POST /participants)' }) });

export type EnrolParticipantBody = z.output<typeof enrolParticipantBody>;

/** Where the enrolment left the participant: holding a place, or on the waiting list. */
export const enrolmentAnswer = z.object({ status: z.enum(EnrolmentStatuses).meta({ description: 'enrolled: they hold a place; waitlisted: the session is full, they are in line for the next place that frees' }) });
