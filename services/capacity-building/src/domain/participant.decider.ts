import type { ActorType, Sex } from '@oriental/contracts';
import { Decider, DomainCommand, IllegalState } from '@oriental/domain-kit';
import { evolveParticipant, initialParticipantState, Participant, ParticipantEvent } from './participant';
import { ParticipantNames } from './participant-names';

/** Registers a participant; `province` is the commune's (reference data), looked up by the caller. */
export type RegisterParticipant = DomainCommand<
  'RegisterParticipant',
  { participantId: string; actorType: ActorType; sex: Sex; organisation: string; commune: string; province: string; names: ParticipantNames; actor: string; now: Date }
>;

export type ParticipantCommand = RegisterParticipant;

export const decideParticipant = (command: ParticipantCommand, state: Participant): ParticipantEvent[] => {
  switch (command.type) {
    case 'RegisterParticipant': {
      const { participantId, actorType, sex, organisation, commune, province, names, actor, now } = command.data;
      if (state.status !== 'none') throw new IllegalState('PARTICIPANT_ALREADY_REGISTERED', `Participant ${participantId} is already registered`);
      return [
        {
          type: 'ParticipantRegistered',
          data: { participantId, actorType, sex, organisation, commune, province, registeredAt: now.toISOString(), names: { ...names }, by: actor },
        },
      ];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const participantDecider: Decider<ParticipantCommand, ParticipantEvent, Participant> = {
  decide: decideParticipant,
  evolve: evolveParticipant,
  initialState: initialParticipantState,
};
