import { optionalBody } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/duplicates/{otherId}/link` and `/dismiss` take no body. */
export const decideDuplicateBody = optionalBody({});
