import { z } from 'zod';
import { optionalBody, optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/transfers/{transferId}/decline`: an optional note of the receiving cell. */
export const declineTransferBody = optionalBody({ note: optionalNote() });

export type DeclineTransferBody = z.output<typeof declineTransferBody>;
