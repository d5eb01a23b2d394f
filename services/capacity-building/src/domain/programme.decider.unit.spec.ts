import { specFor } from '@oriental/domain-kit';
import { CreateProgramme, programmeDecider } from './programme.decider';
import { ProgrammeEvent } from './programme';

const given = specFor(programmeDecider);
const programmeId = '5d1c0e2a-3b4f-4a5e-8c6d-7e8f9a0b1c2d';
const now = new Date('2026-01-10T09:00:00.000Z');
const trainer = 'trainer:oujda-1';

const createProgramme = (): CreateProgramme => ({
  type: 'CreateProgramme',
  data: {
    programmeId,
    title: 'Accueil et orientation des MRE',
    objectives: 'Recevoir, orienter et suivre un MRE',
    targetActorTypes: ['cell_officer', 'civil_society_member'],
    minAttendance: 0.8,
    actor: trainer,
    now,
  },
});
const created: ProgrammeEvent = {
  type: 'ProgrammeCreated',
  data: {
    programmeId,
    title: 'Accueil et orientation des MRE',
    targetActorTypes: ['cell_officer', 'civil_society_member'],
    minAttendance: 0.8,
    createdAt: now.toISOString(),
    objectives: 'Recevoir, orienter et suivre un MRE',
    by: trainer,
  },
};

describe('Programme', () => {
  describe('when a trainer creates one', () => {
    it('records it with its threshold and who it is for', () => given([]).when(createProgramme()).then([created]));

    it('refuses to create it twice: 409', () => given([created]).when(createProgramme()).thenFails('PROGRAMME_ALREADY_CREATED'));
  });
});
