import { z } from 'zod';
import { optionalBody, optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/reopen`: an optional note. */
export const reopenCaseBody = optionalBody({ note: optionalNote() });

export type ReopenCaseBody = z.output<typeof reopenCaseBody>;
