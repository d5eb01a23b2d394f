import type { ActorType, ProgrammeCreatedV1 } from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';

/**
 * A programme: a training course the region runs for the people who run the network (cell
 * officers, elected officials, civil-society members), with its objectives, the actor types it is
 * meant for, and `minAttendance`, the fraction (0–1) of a session's days a participant must
 * attend to complete it and earn a certificate. It is run as sessions (`session.ts`). Its history
 * is the stream `programme-<id>`.
 *
 * Event data is DERIVED from the published contract (`capacity-building.events.ts`): the
 * integration event plus what the service keeps to itself (the objectives, who created it).
 */
export type ProgrammeCreated = DomainEvent<'ProgrammeCreated', ProgrammeCreatedV1 & { objectives: string; by: string }>;

export type ProgrammeEvent = ProgrammeCreated;

export type Programme =
  | { status: 'none' }
  | { status: 'created'; programmeId: string; title: string; objectives: string; targetActorTypes: ActorType[]; minAttendance: number; createdAt: string };

export const initialProgrammeState: Programme = { status: 'none' };

export const evolveProgramme = (_state: Programme, event: ProgrammeEvent): Programme => {
  switch (event.type) {
    case 'ProgrammeCreated': {
      const { programmeId, title, objectives, targetActorTypes, minAttendance, createdAt } = event.data;
      return { status: 'created', programmeId, title, objectives, targetActorTypes: [...targetActorTypes], minAttendance, createdAt };
    }
    default: {
      const unknown: never = event.type;
      throw new Error(`Unknown programme event ${JSON.stringify(unknown)}`);
    }
  }
};

export const PROGRAMME_CATEGORY = 'programme';

export const programmeStream = (programmeId: string): string => `${PROGRAMME_CATEGORY}-${programmeId}`;
