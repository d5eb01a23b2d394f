import { caseClosedV1 } from '@oriental/contracts';
import { z } from 'zod';
import { optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/close`: why the case is closed. */
export const closeCaseBody = z.strictObject({ reason: caseClosedV1.shape.reason, note: optionalNote() });

export type CloseCaseBody = z.output<typeof closeCaseBody>;
