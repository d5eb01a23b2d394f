import { z } from 'zod';
import { optionalBody, optionalNote } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/transfers/{transferId}/accept`: an optional note of the receiving cell. */
export const acceptTransferBody = optionalBody({ note: optionalNote() });

export type AcceptTransferBody = z.output<typeof acceptTransferBody>;
