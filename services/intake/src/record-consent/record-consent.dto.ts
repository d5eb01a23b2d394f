import { ConsentPurposes } from '@oriental/contracts';
import { z } from 'zod';
import { caseCommandAnswer } from '../casework/casework-http';

/** `POST /beneficiaries/{id}/consents`: a consent given or withdrawn, for one purpose. */
export const recordConsentBody = z.strictObject({
  purpose: z.enum(ConsentPurposes).meta({ description: 'services: guidance and support; sharing: with partner services; statistics: counted pseudonymously' }),
  given: z.boolean().meta({ description: 'true: given; false: withdrawn' }),
});

export type RecordConsentBody = z.output<typeof recordConsentBody>;

export const consentAnswer = caseCommandAnswer.extend(recordConsentBody.shape);
