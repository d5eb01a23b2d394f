import { followUpRecordedV1 } from '@oriental/contracts';
import { z } from 'zod';
import { optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/follow-ups/{followUpId}/outcome`: how the follow-up went. */
export const recordFollowUpOutcomeBody = z.strictObject({
  outcome: followUpRecordedV1.shape.outcome.meta({ description: 'held, missed (the beneficiary did not come) or cancelled' }),
  note: optionalNote(),
});

export type RecordFollowUpOutcomeBody = z.output<typeof recordFollowUpOutcomeBody>;
