import { transferRequestedV1 } from '@oriental/contracts';
import { z } from 'zod';
import { caseCommandAnswer, optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/transfers`: asks another cell to take the case over. */
export const requestTransferBody = z.strictObject({
  toCellId: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'must be a cell id such as "nador"')
    .meta({ example: 'nador', description: 'Id of the receiving cell, from the reference data' }),
  reason: transferRequestedV1.shape.reason,
  note: optionalNote(),
});

export type RequestTransferBody = z.output<typeof requestTransferBody>;

export const transferRequestedAnswer = caseCommandAnswer.extend({ transferId: z.uuid() });
