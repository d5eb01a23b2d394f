import { StoredEvent } from '@oriental/contracts';
import {
  decodeParticipantEvent,
  decodeProgrammeEvent,
  decodeSessionEvent,
  encodeCapacityBuildingEvent,
  Participant,
  ParticipantEvent,
  ProgrammeEvent,
  sealedNamesOf,
  Session,
  SessionEvent,
} from '@oriental/capacity-building-domain';
import { PersonalDataVault } from '@oriental/personal-data';
import { EventCodec } from '@oriental/service-kit';

/** Programme events are stored as they are (nothing sealed, no cell: a programme is the region's). */
export const programmeCodec: EventCodec<ProgrammeEvent> = {
  encode: (event) => encodeCapacityBuildingEvent(event, () => Promise.reject(new Error('a programme seals nothing'))),
  decode: async (stored: StoredEvent) => decodeProgrammeEvent(stored),
};

/** Session events are stored as they are; each is recorded at the session's cell when it is held for one (the envelope's `cellId`). */
export const sessionCodec: EventCodec<SessionEvent, Session> = {
  encode: (event) => encodeCapacityBuildingEvent(event, () => Promise.reject(new Error('a session seals nothing'))),
  decode: async (stored: StoredEvent) => decodeSessionEvent(stored),
  metadataOf: (event, decidedOn) => ({ cellId: event.type === 'SessionScheduled' ? event.data.cellId : decidedOn.status === 'none' ? undefined : decidedOn.cellId }),
};

/**
 * Participant events ↔ stored envelopes of `participant-<id>`: the one place a participant's
 * names are sealed and opened, with a key of their own (the vault). `forDecisions` decodes
 * without opening: no rule reads names.
 */
export class ParticipantCodec implements EventCodec<ParticipantEvent, Participant> {
  constructor(private readonly vault: PersonalDataVault) {}

  encode(event: ParticipantEvent) {
    return encodeCapacityBuildingEvent(event, (names) => this.vault.seal(event.data.participantId, names, { newPerson: true }));
  }

  async decode(stored: StoredEvent): Promise<ParticipantEvent> {
    const sealed = sealedNamesOf(stored);
    return decodeParticipantEvent(stored, sealed ? await this.vault.open(sealed) : null);
  }

  readonly forDecisions: EventCodec<ParticipantEvent, Participant> = {
    encode: (event) => this.encode(event),
    decode: async (stored) => decodeParticipantEvent(stored),
  };
}
