import { fold, specFor } from '@oriental/domain-kit';
import { BeneficiaryCase, BeneficiaryEvent } from './beneficiary';
import { BeneficiaryCommand, beneficiaryDecider } from './beneficiary.decider';

/** Law 09-08's right to erasure: the person's data goes, the case and its indicators stay. */
const given = specFor(beneficiaryDecider);
const now = new Date('2026-12-01T10:00:00.000Z');
const at = now.toISOString();
const beneficiaryId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const followUpId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

const registered: BeneficiaryEvent = {
  type: 'BeneficiaryRegistered',
  data: {
    beneficiaryId,
    cellId: 'oujda',
    category: 'returnee',
    sex: 'female',
    birthYear: 1988,
    nationality: 'MA',
    consent: { services: true, sharing: false, statistics: true },
    profile: {},
    person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
    registeredAt: '2026-07-15T09:30:00.000Z',
  },
};
const followUpScheduled: BeneficiaryEvent = {
  type: 'FollowUpScheduled',
  data: { beneficiaryId, followUpId, dueDate: '2026-12-20', note: 'Call her brother', scheduledAt: '2026-07-15T09:30:00.000Z' },
};
const caseClosed: BeneficiaryEvent = { type: 'CaseClosed', data: { beneficiaryId, reason: 'resolved', note: 'Back with family', closedAt: '2026-08-01T09:30:00.000Z' } };
const erased = (reason: 'person_request' | 'retention_expired' = 'person_request'): BeneficiaryEvent => ({
  type: 'PersonalDataErased',
  data: { beneficiaryId, reason, erasedAt: at },
});

type CaseCommand = Exclude<BeneficiaryCommand, { type: 'RegisterBeneficiary' }>;
const command = <Type extends CaseCommand['type']>(type: Type, data: Omit<Extract<CaseCommand, { type: Type }>['data'], 'beneficiaryId' | 'now'>): BeneficiaryCommand =>
  ({ type, data: { beneficiaryId, ...data, now } }) as BeneficiaryCommand;
const erase = (reason: 'person_request' | 'retention_expired' = 'person_request') => command('ErasePersonalData', { reason });

describe('Beneficiary: erasure of personal data', () => {
  describe('when a supervisor erases the personal data of an open case', () => {
    it('records the erasure with its reason, at the time of the command', () => given([registered]).when(erase()).then([erased()]));
  });

  describe('when the case is closed (retention over)', () => {
    it('still erases: a closed case takes the erasure', () => given([registered, caseClosed]).when(erase('retention_expired')).then([erased('retention_expired')]));
  });

  describe('when the data was erased already', () => {
    it('records nothing again (the key is destroyed again by the caller)', () => given([registered, erased()]).when(erase('retention_expired')).then([]));
  });

  describe('when the beneficiary does not exist', () => {
    it('says so', () => given([]).when(erase()).thenFails('BENEFICIARY_NOT_FOUND'));
  });

  describe('after the erasure', () => {
    it('refuses a correction of personal data', () =>
      given([registered, erased()]).when(command('RecordProfile', { person: { phone: '+212611111111' } })).thenFails('PERSONAL_DATA_ERASED'));

    it('refuses a note on any step of the case', () => {
      given([registered, erased()]).when(command('ScheduleFollowUp', { followUpId, dueDate: '2026-12-20', note: 'Call again' })).thenFails('PERSONAL_DATA_ERASED');
      given([registered, followUpScheduled, erased()]).when(command('RecordFollowUpOutcome', { followUpId, outcome: 'held', note: 'Fine' })).thenFails('PERSONAL_DATA_ERASED');
      given([registered, erased()]).when(command('CloseCase', { reason: 'resolved', note: 'Gone' })).thenFails('PERSONAL_DATA_ERASED');
    });

    it('takes the rest of the casework: profile fields, needs, follow-ups without a note, closure', () => {
      given([registered, erased()])
        .when(command('RecordProfile', { profile: { returnKind: 'voluntary' } }))
        .then([{ type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile: { returnKind: 'voluntary' }, recordedAt: at } }]);
      given([registered, erased()])
        .when(command('AssessNeeds', { needs: [{ code: 'housing', priority: 'high' }] }))
        .then([{ type: 'NeedsAssessed', data: { beneficiaryId, needs: [{ code: 'housing', priority: 'high' }], assessedAt: at } }]);
      given([registered, erased()])
        .when(command('CloseCase', { reason: 'resolved' }))
        .then([{ type: 'CaseClosed', data: { beneficiaryId, reason: 'resolved', closedAt: at } }]);
    });

    it('folds to a case with no personal value left, the rest unchanged', () => {
      const state = fold(beneficiaryDecider, [registered, followUpScheduled, caseClosed, erased()]) as BeneficiaryCase;
      expect(state).toMatchObject({
        status: 'closed',
        category: 'returnee',
        person: null,
        erasure: { reason: 'person_request', erasedAt: at },
        followUps: { [followUpId]: { dueDate: '2026-12-20', note: null } },
        closure: { reason: 'resolved', note: null },
      });
      expect(JSON.stringify(state)).not.toMatch(/Amina|Benali|212600000000|brother|family/);
    });
  });
});
