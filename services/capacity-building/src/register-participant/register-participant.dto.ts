import { ActorTypes, Sexes } from '@oriental/contracts';
import { participantNamesSchema } from '@oriental/capacity-building-domain';
import { safeText } from '@oriental/service-kit';
import { z } from 'zod';

/** The body of `POST /participants`, defined once; `names` is personal data, sealed at rest and never published. */
export const registerParticipantBody = z.strictObject({
  actorType: z.enum(ActorTypes).meta({ description: 'cell_officer, elected_official, civil_society_member or other' }),
  organisation: safeText(200).meta({ example: 'Commune de Berkane', description: 'The organisation they belong to or represent' }),
  commune: z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, 'must be a commune id such as "berkane"')
    .meta({ example: 'berkane', description: 'Commune id (reference data territory.json)' }),
  sex: z.enum(Sexes),
  names: participantNamesSchema.meta({ description: 'Personal data: encrypted at rest with a key of the participant’s own, never published' }),
});

export type RegisterParticipantBody = z.output<typeof registerParticipantBody>;

export const participantRegisteredAnswer = z.object({ participantId: z.uuid().meta({ description: 'The new participant (Location: /participants/{participantId})' }) });
