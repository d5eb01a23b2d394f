import type { ActorType } from '@oriental/contracts';
import { Decider, DomainCommand, IllegalState } from '@oriental/domain-kit';
import { evolveProgramme, initialProgrammeState, Programme, ProgrammeEvent } from './programme';

/** Creates a programme. Its id is derived from the request's Idempotency-Key, so a retry finds it. */
export type CreateProgramme = DomainCommand<
  'CreateProgramme',
  { programmeId: string; title: string; objectives: string; targetActorTypes: ActorType[]; minAttendance: number; actor: string; now: Date }
>;

export type ProgrammeCommand = CreateProgramme;

export const decideProgramme = (command: ProgrammeCommand, state: Programme): ProgrammeEvent[] => {
  switch (command.type) {
    case 'CreateProgramme': {
      const { programmeId, title, objectives, targetActorTypes, minAttendance, actor, now } = command.data;
      if (state.status !== 'none') throw new IllegalState('PROGRAMME_ALREADY_CREATED', `Programme ${programmeId} already exists`);
      return [{ type: 'ProgrammeCreated', data: { programmeId, title, targetActorTypes: [...targetActorTypes], minAttendance, createdAt: now.toISOString(), objectives, by: actor } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const programmeDecider: Decider<ProgrammeCommand, ProgrammeEvent, Programme> = {
  decide: decideProgramme,
  evolve: evolveProgramme,
  initialState: initialProgrammeState,
};
