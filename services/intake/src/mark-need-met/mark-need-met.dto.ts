import { optionalBody } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/needs/{code}/met` takes no body. */
export const markNeedMetBody = optionalBody({});
