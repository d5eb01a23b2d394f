import { specFor } from '@oriental/domain-kit';
import { ParticipantEvent } from './participant';
import { initialsOf } from './participant-names';
import { participantDecider, RegisterParticipant } from './participant.decider';

const given = specFor(participantDecider);
const participantId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const now = new Date('2026-02-01T09:00:00.000Z');
const trainer = 'trainer:oujda-1';

const registerParticipant = (): RegisterParticipant => ({
  type: 'RegisterParticipant',
  data: {
    participantId,
    actorType: 'elected_official',
    sex: 'female',
    organisation: 'Commune de Berkane',
    commune: 'berkane',
    province: 'berkane',
    names: { firstName: 'Samira', lastName: 'El Amrani' },
    actor: trainer,
    now,
  },
});
const registered: ParticipantEvent = {
  type: 'ParticipantRegistered',
  data: {
    participantId,
    actorType: 'elected_official',
    sex: 'female',
    organisation: 'Commune de Berkane',
    commune: 'berkane',
    province: 'berkane',
    registeredAt: now.toISOString(),
    names: { firstName: 'Samira', lastName: 'El Amrani' },
    by: trainer,
  },
};

describe('Participant', () => {
  describe('when a trainer registers one', () => {
    it('records who they are, their names to be sealed', () => given([]).when(registerParticipant()).then([registered]));

    it('refuses to register them twice: 409', () => given([registered]).when(registerParticipant()).thenFails('PARTICIPANT_ALREADY_REGISTERED'));
  });

  describe('their initials, all a certificate check shows of them', () => {
    it('are the first letter of each name, upper case', () => expect(initialsOf({ firstName: 'samira', lastName: 'El Amrani' })).toBe('S. E.'));

    it('keep a letter whole, accents and Arabic script included', () => {
      expect(initialsOf({ firstName: 'E\u0301lodie', lastName: 'Ouali' })).toBe('E\u0301. O.');
      expect(initialsOf({ firstName: 'سميرة', lastName: 'العمراني' })).toBe('س. ا.');
    });
  });
});
