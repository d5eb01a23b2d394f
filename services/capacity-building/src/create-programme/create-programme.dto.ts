import { ActorTypes, programmeCreatedV1 } from '@oriental/contracts';
import { safeText } from '@oriental/service-kit';
import { z } from 'zod';

/** The body of `POST /programmes`, defined once (handler type, 400s, OpenAPI schema); the fields the contract publishes come from it. */
export const createProgrammeBody = z.strictObject({
  title: safeText(200).meta({ example: 'Accueil et orientation des MRE' }),
  objectives: safeText(2000, { multiline: true }).meta({ example: 'Recevoir un MRE, identifier ses besoins, l’orienter vers les partenaires', description: 'Kept by the service, never published' }),
  targetActorTypes: z
    .array(z.enum(ActorTypes))
    .min(1)
    .max(ActorTypes.length)
    .refine((types) => new Set(types).size === types.length, 'must not name an actor type twice')
    .meta({ example: ['cell_officer', 'civil_society_member'], description: 'Who the programme is meant for' }),
  minAttendance: programmeCreatedV1.shape.minAttendance.meta({ example: 0.8, description: 'The fraction (0–1) of a session’s days a participant must attend to complete it and earn a certificate' }),
});

export type CreateProgrammeBody = z.output<typeof createProgrammeBody>;

export const programmeCreatedAnswer = z.object({ programmeId: z.uuid().meta({ description: 'The new programme (Location: /programmes/{programmeId})' }) });
