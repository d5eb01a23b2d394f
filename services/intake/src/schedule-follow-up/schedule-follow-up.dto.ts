import { followUpScheduledV1 } from '@oriental/contracts';
import { z } from 'zod';
import { caseCommandAnswer, optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/follow-ups`: when to check on the beneficiary again. */
export const scheduleFollowUpBody = z.strictObject({
  dueDate: followUpScheduledV1.shape.dueDate.meta({ example: '2026-12-10', description: 'YYYY-MM-DD, today or later (UTC)' }),
  note: optionalNote(),
});

export type ScheduleFollowUpBody = z.output<typeof scheduleFollowUpBody>;

export const followUpScheduledAnswer = caseCommandAnswer.extend({ followUpId: z.uuid() });
