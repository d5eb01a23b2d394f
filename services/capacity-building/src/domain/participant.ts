import type { ActorType, ParticipantRegisteredV1, Sex } from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';
import { ParticipantNames } from './participant-names';

/**
 * A participant: a person trained by the programme, of one actor type (a cell officer, an
 * elected official, a civil-society member, or other), from an organisation and a commune of the
 * region. Their names are personal data (`participant-names.ts`), sealed in the store; the rest
 * is what the training indicators count. Their history is the stream `participant-<id>`; their
 * enrolments belong to the sessions they enrol in (`session.ts`).
 */

/** A sealed value this reader did not open: null means it exists in the store, but its key was destroyed or it was decoded without the vault. */
type Opened<T> = T | null;

export type ParticipantRegistered = DomainEvent<'ParticipantRegistered', ParticipantRegisteredV1 & { names: Opened<ParticipantNames>; by: string }>;

export type ParticipantEvent = ParticipantRegistered;

export type Participant =
  | { status: 'none' }
  | {
      status: 'registered';
      participantId: string;
      actorType: ActorType;
      sex: Sex;
      organisation: string;
      commune: string;
      province: string;
      names: Opened<ParticipantNames>;
      registeredAt: string;
    };

export const initialParticipantState: Participant = { status: 'none' };

export const evolveParticipant = (_state: Participant, event: ParticipantEvent): Participant => {
  switch (event.type) {
    case 'ParticipantRegistered': {
      const { participantId, actorType, sex, organisation, commune, province, names, registeredAt } = event.data;
      return { status: 'registered', participantId, actorType, sex, organisation, commune, province, names, registeredAt };
    }
    default: {
      const unknown: never = event.type;
      throw new Error(`Unknown participant event ${JSON.stringify(unknown)}`);
    }
  }
};

export const PARTICIPANT_CATEGORY = 'participant';

export const participantStream = (participantId: string): string => `${PARTICIPANT_CATEGORY}-${participantId}`;
