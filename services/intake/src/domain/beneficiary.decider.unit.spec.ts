import { specFor } from '@oriental/domain-kit';
import { fold } from '@oriental/domain-kit';
import { BeneficiaryCase, BeneficiaryEvent } from './beneficiary';
import { BeneficiaryCommand, beneficiaryDecider, RegisterBeneficiary } from './beneficiary.decider';

const given = specFor(beneficiaryDecider);
const now = new Date('2026-07-15T09:30:00.000Z');
const at = now.toISOString();
const beneficiaryId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const otherId = '0c1d7e9a-3b2f-4c5d-8e6f-7a8b9c0d1e2f';
const followUpId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const transferId = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';

const registerBeneficiary = (overrides: Partial<RegisterBeneficiary['data']> = {}): RegisterBeneficiary => ({
  type: 'RegisterBeneficiary',
  data: {
    beneficiaryId,
    cellId: 'oujda',
    category: 'mre',
    sex: 'female',
    birthYear: 1988,
    nationality: 'MA',
    consent: { services: true, sharing: false, statistics: true },
    person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
    now,
    ...overrides,
  },
});

/** The event a registration command leads to: its data, stamped with the command's clock. */
const beneficiaryRegistered = (overrides: Partial<RegisterBeneficiary['data']> = {}): BeneficiaryEvent => {
  const { now: registeredAt, profile = {}, ...registration } = registerBeneficiary(overrides).data;
  return { type: 'BeneficiaryRegistered', data: { ...registration, profile, registeredAt: registeredAt.toISOString() } };
};

type CaseCommandOf<Type extends BeneficiaryCommand['type']> = Extract<BeneficiaryCommand, { type: Type }>;
/** A command on the case, with the spec's beneficiary and clock. */
const command = <Type extends Exclude<BeneficiaryCommand['type'], 'RegisterBeneficiary'>>(
  type: Type,
  data: Omit<CaseCommandOf<Type>['data'], 'beneficiaryId' | 'now'>,
): BeneficiaryCommand => ({ type, data: { beneficiaryId, ...data, now } }) as BeneficiaryCommand;

const registered = beneficiaryRegistered();
const followUpScheduled = (dueDate = '2026-07-20', note?: string): BeneficiaryEvent => ({
  type: 'FollowUpScheduled',
  data: { beneficiaryId, followUpId, dueDate, ...(note ? { note } : {}), scheduledAt: at },
});
const transferRequested: BeneficiaryEvent = {
  type: 'TransferRequested',
  data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', reason: 'moved', requestedAt: at },
};
const caseClosed: BeneficiaryEvent = { type: 'CaseClosed', data: { beneficiaryId, reason: 'resolved', closedAt: at } };
const needsAssessed = (...needs: [string, 'high' | 'medium' | 'low'][]): BeneficiaryEvent => ({
  type: 'NeedsAssessed',
  data: { beneficiaryId, needs: needs.map(([code, priority]) => ({ code, priority })), assessedAt: at },
});

const stateAfter = (events: BeneficiaryEvent[]) => fold(beneficiaryDecider, events) as BeneficiaryCase;

describe('Beneficiary', () => {
  describe('when a cell registers a new beneficiary', () => {
    it('records the registration at the time given by the command', () => given([]).when(registerBeneficiary()).then([beneficiaryRegistered()]));

    it('records an RPT with another nationality the same way', () =>
      given([])
        .when(registerBeneficiary({ category: 'rpt', nationality: 'SN', sex: 'male' }))
        .then([beneficiaryRegistered({ category: 'rpt', nationality: 'SN', sex: 'male' })]));

    it('records the profile that fits the category, and the whole personal data', () => {
      const details = {
        profile: { countryOfResidence: 'FR', visitPurpose: 'investment' as const, languages: ['arabic' as const, 'french' as const] },
        person: {
          firstName: 'Amina',
          lastName: 'Benali',
          address: '12 rue Al Massira, Oujda',
          documentNumbers: [{ kind: 'passport' as const, number: 'AB123456' }],
          notes: 'Prefers calls after 5 pm',
        },
      };
      return given([]).when(registerBeneficiary(details)).then([beneficiaryRegistered(details)]);
    });

    it('opens the case at the registering cell', () => {
      expect(stateAfter([registered])).toMatchObject({ status: 'open', cellId: 'oujda', needs: {}, followUps: {}, pendingTransfer: null, closure: null });
    });
  });

  describe('when the beneficiary is already registered', () => {
    it('refuses a second registration', () => given([registered]).when(registerBeneficiary()).thenFails('BENEFICIARY_ALREADY_REGISTERED'));
  });

  describe('when the birth year is impossible', () => {
    it('refuses a year after the registration date', () => given([]).when(registerBeneficiary({ birthYear: 2027 })).thenFails('BIRTH_YEAR_OUT_OF_RANGE'));
    it('refuses a year before 1900', () => given([]).when(registerBeneficiary({ birthYear: 1899 })).thenFails('BIRTH_YEAR_OUT_OF_RANGE'));
  });

  describe('when the person does not consent to services', () => {
    it('refuses to register them', () =>
      given([])
        .when(registerBeneficiary({ consent: { services: false, sharing: false, statistics: false } }))
        .thenFails('CONSENT_TO_SERVICES_REQUIRED'));
  });

  describe('when the registration profile does not fit the category', () => {
    it.each([
      ['mre', { returnDate: '2025-01-01' }],
      ['mre', { residenceStatus: 'refugee' as const }],
      ['returnee', { countryOfResidence: 'FR' }],
      ['returnee', { arrivalYear: 2020 }],
      ['rpt', { visitPurpose: 'family' as const }],
      ['rpt', { returnKind: 'forced' as const }],
    ] as const)('refuses a %s with %j', (category, profile) =>
      given([]).when(registerBeneficiary({ category, profile })).thenFails('PROFILE_FIELD_NOT_FOR_CATEGORY'));
  });

  describe('when a profile date is in the future', () => {
    it('refuses a return date after today', () =>
      given([]).when(registerBeneficiary({ category: 'returnee', profile: { returnDate: '2026-07-16' } })).thenFails('PROFILE_DATE_IN_FUTURE'));
    it('refuses an arrival year after this year', () =>
      given([]).when(registerBeneficiary({ category: 'rpt', profile: { arrivalYear: 2027 } })).thenFails('PROFILE_DATE_IN_FUTURE'));
  });

  describe('when the beneficiary does not exist', () => {
    it.each<[string, BeneficiaryCommand]>([
      ['RecordProfile', command('RecordProfile', { profile: { languages: ['arabic'] } })],
      ['GiveConsent', command('GiveConsent', { purpose: 'sharing', actor: 'agent:1' })],
      ['WithdrawConsent', command('WithdrawConsent', { purpose: 'sharing', actor: 'agent:1' })],
      ['AssessNeeds', command('AssessNeeds', { needs: [{ code: 'health', priority: 'high' }] })],
      ['MarkNeedMet', command('MarkNeedMet', { code: 'health' })],
      ['ScheduleFollowUp', command('ScheduleFollowUp', { followUpId, dueDate: '2026-08-01' })],
      ['RecordFollowUpOutcome', command('RecordFollowUpOutcome', { followUpId, outcome: 'held' })],
      ['RequestTransfer', command('RequestTransfer', { transferId, toCellId: 'nador', reason: 'moved' })],
      ['AcceptTransfer', command('AcceptTransfer', { transferId })],
      ['DeclineTransfer', command('DeclineTransfer', { transferId })],
      ['CloseCase', command('CloseCase', { reason: 'resolved' })],
      ['ReopenCase', command('ReopenCase', {})],
      ['LinkDuplicate', command('LinkDuplicate', { otherBeneficiaryId: otherId })],
      ['DismissDuplicate', command('DismissDuplicate', { otherBeneficiaryId: otherId })],
    ])('answers %s with BENEFICIARY_NOT_FOUND', (_name, unknownCommand) => given([]).when(unknownCommand).thenFails('BENEFICIARY_NOT_FOUND'));
  });

  describe('recording the profile afterwards', () => {
    it('records the profile fields given', () =>
      given([registered])
        .when(command('RecordProfile', { profile: { countryOfResidence: 'BE', visitPurpose: 'administrative' } }))
        .then([{ type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile: { countryOfResidence: 'BE', visitPurpose: 'administrative' }, recordedAt: at } }]));

    it('records corrected personal data apart from the profile', () =>
      given([registered])
        .when(command('RecordProfile', { profile: { languages: ['tamazight'] }, person: { phone: '+212611111111', address: 'Nador' } }))
        .then([
          { type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile: { languages: ['tamazight'] }, recordedAt: at } },
          { type: 'PersonalDataRecorded', data: { beneficiaryId, person: { phone: '+212611111111', address: 'Nador' }, recordedAt: at } },
        ]));

    it('records nothing when nothing is given', () => given([registered]).when(command('RecordProfile', { profile: {}, person: {} })).then([]));

    it('refuses fields of another category', () =>
      given([registered]).when(command('RecordProfile', { profile: { residenceStatus: 'student' } })).thenFails('PROFILE_FIELD_NOT_FOR_CATEGORY'));

    it('refuses a return date in the future', () =>
      given([beneficiaryRegistered({ category: 'returnee' })])
        .when(command('RecordProfile', { profile: { returnDate: '2027-01-01' } }))
        .thenFails('PROFILE_DATE_IN_FUTURE'));

    it('keeps earlier fields and replaces those given', () => {
      const state = stateAfter([
        beneficiaryRegistered({ profile: { countryOfResidence: 'FR' } }),
        { type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile: { visitPurpose: 'family' }, recordedAt: at } },
        { type: 'PersonalDataRecorded', data: { beneficiaryId, person: { lastName: 'Benali-Idrissi' }, recordedAt: at } },
      ]);
      expect(state.profile).toEqual({ countryOfResidence: 'FR', visitPurpose: 'family' });
      expect(state.person).toEqual({ firstName: 'Amina', lastName: 'Benali-Idrissi', phone: '+212600000000' });
    });
  });

  describe('consent per purpose', () => {
    it('records a consent given, with who recorded it and when', () =>
      given([registered])
        .when(command('GiveConsent', { purpose: 'sharing', actor: 'agent:oujda-1' }))
        .then([{ type: 'ConsentGiven', data: { beneficiaryId, purpose: 'sharing', at, actor: 'agent:oujda-1' } }]));

    it('records a consent withdrawn', () =>
      given([registered])
        .when(command('WithdrawConsent', { purpose: 'statistics', actor: 'agent:oujda-1' }))
        .then([{ type: 'ConsentWithdrawn', data: { beneficiaryId, purpose: 'statistics', at, actor: 'agent:oujda-1' } }]));

    it('changes nothing when the consent is already given', () =>
      given([registered]).when(command('GiveConsent', { purpose: 'services', actor: 'agent:1' })).then([]));

    it('changes nothing when the consent is already withdrawn', () =>
      given([registered]).when(command('WithdrawConsent', { purpose: 'sharing', actor: 'agent:1' })).then([]));

    it('keeps the current consent in the state', () => {
      const state = stateAfter([registered, { type: 'ConsentGiven', data: { beneficiaryId, purpose: 'sharing', at, actor: 'agent:1' } }]);
      expect(state.consent).toEqual({ services: true, sharing: true, statistics: true });
    });
  });

  describe('needs', () => {
    it('records the needs assessed', () =>
      given([registered])
        .when(command('AssessNeeds', { needs: [{ code: 'legal_aid', priority: 'high' }, { code: 'housing', priority: 'low' }] }))
        .then([needsAssessed(['legal_aid', 'high'], ['housing', 'low'])]));

    it('updates the priority of an open need assessed again, and leaves unchanged ones out', () =>
      given([registered, needsAssessed(['legal_aid', 'high'], ['housing', 'low'])])
        .when(command('AssessNeeds', { needs: [{ code: 'legal_aid', priority: 'high' }, { code: 'housing', priority: 'medium' }] }))
        .then([needsAssessed(['housing', 'medium'])]));

    it('records nothing when every need is assessed as it was', () =>
      given([registered, needsAssessed(['legal_aid', 'high'])]).when(command('AssessNeeds', { needs: [{ code: 'legal_aid', priority: 'high' }] })).then([]));

    it('opens again a met need assessed again', () =>
      given([registered, needsAssessed(['health', 'high']), { type: 'NeedMet', data: { beneficiaryId, code: 'health', metAt: at } }])
        .when(command('AssessNeeds', { needs: [{ code: 'health', priority: 'high' }] }))
        .then([needsAssessed(['health', 'high'])]));

    it('marks an open need met', () =>
      given([registered, needsAssessed(['legal_aid', 'high'])])
        .when(command('MarkNeedMet', { code: 'legal_aid' }))
        .then([{ type: 'NeedMet', data: { beneficiaryId, code: 'legal_aid', metAt: at } }]));

    it('refuses to mark met a need never assessed', () => given([registered]).when(command('MarkNeedMet', { code: 'health' })).thenFails('NEED_NOT_ASSESSED'));

    it('refuses to mark met a need already met', () =>
      given([registered, needsAssessed(['health', 'low']), { type: 'NeedMet', data: { beneficiaryId, code: 'health', metAt: at } }])
        .when(command('MarkNeedMet', { code: 'health' }))
        .thenFails('NEED_ALREADY_MET'));

    it('keeps each need with its priority and status', () => {
      const state = stateAfter([registered, needsAssessed(['health', 'low']), needsAssessed(['health', 'high'], ['housing', 'low']), { type: 'NeedMet', data: { beneficiaryId, code: 'housing', metAt: at } }]);
      expect(state.needs).toEqual({
        health: { code: 'health', priority: 'high', status: 'open', assessedAt: at },
        housing: { code: 'housing', priority: 'low', status: 'met', assessedAt: at, metAt: at },
      });
    });
  });

  describe('follow-ups', () => {
    it('schedules a follow-up, with its note', () =>
      given([registered])
        .when(command('ScheduleFollowUp', { followUpId, dueDate: '2026-07-20', note: 'Bring the passport' }))
        .then([followUpScheduled('2026-07-20', 'Bring the passport')]));

    it('schedules a follow-up due today', () =>
      given([registered]).when(command('ScheduleFollowUp', { followUpId, dueDate: '2026-07-15' })).then([followUpScheduled('2026-07-15')]));

    it('refuses a due date before today', () =>
      given([registered]).when(command('ScheduleFollowUp', { followUpId, dueDate: '2026-07-14' })).thenFails('FOLLOW_UP_DUE_IN_PAST'));

    it('refuses a follow-up id already scheduled', () =>
      given([registered, followUpScheduled()]).when(command('ScheduleFollowUp', { followUpId, dueDate: '2026-09-01' })).thenFails('FOLLOW_UP_ALREADY_SCHEDULED'));

    it('records the outcome of a follow-up', () =>
      given([registered, followUpScheduled()])
        .when(command('RecordFollowUpOutcome', { followUpId, outcome: 'held', note: 'Documents filed' }))
        .then([{ type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome: 'held', note: 'Documents filed', recordedAt: at } }]));

    it('answers an unknown follow-up with FOLLOW_UP_NOT_FOUND', () =>
      given([registered]).when(command('RecordFollowUpOutcome', { followUpId, outcome: 'held' })).thenFails('FOLLOW_UP_NOT_FOUND'));

    it('refuses a second outcome', () =>
      given([registered, followUpScheduled(), { type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome: 'missed', recordedAt: at } }])
        .when(command('RecordFollowUpOutcome', { followUpId, outcome: 'held' }))
        .thenFails('FOLLOW_UP_ALREADY_RECORDED'));

    it('keeps each follow-up with its outcome', () => {
      const state = stateAfter([registered, followUpScheduled('2026-07-20', 'Call'), { type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome: 'held', note: 'Done', recordedAt: at } }]);
      expect(state.followUps[followUpId]).toEqual({ followUpId, dueDate: '2026-07-20', note: 'Call', scheduledAt: at, outcome: 'held', outcomeNote: 'Done', recordedAt: at });
    });
  });

  describe('transfers between cells', () => {
    it('requests a transfer to another cell', () =>
      given([registered]).when(command('RequestTransfer', { transferId, toCellId: 'nador', reason: 'moved' })).then([transferRequested]));

    it('refuses a transfer to the same cell', () =>
      given([registered]).when(command('RequestTransfer', { transferId, toCellId: 'oujda', reason: 'moved' })).thenFails('TRANSFER_TO_SAME_CELL'));

    it('refuses a second transfer while one is pending', () =>
      given([registered, transferRequested])
        .when(command('RequestTransfer', { transferId: otherId, toCellId: 'berkane', reason: 'other' }))
        .thenFails('TRANSFER_ALREADY_PENDING'));

    it('accepts the pending transfer', () =>
      given([registered, transferRequested])
        .when(command('AcceptTransfer', { transferId, note: 'Welcome' }))
        .then([{ type: 'TransferAccepted', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', note: 'Welcome', acceptedAt: at } }]));

    it('declines the pending transfer', () =>
      given([registered, transferRequested])
        .when(command('DeclineTransfer', { transferId }))
        .then([{ type: 'TransferDeclined', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', declinedAt: at } }]));

    it.each(['AcceptTransfer', 'DeclineTransfer'] as const)('refuses %s when no transfer is pending', (type) =>
      given([registered]).when(command(type, { transferId })).thenFails('NO_PENDING_TRANSFER'));

    it.each(['AcceptTransfer', 'DeclineTransfer'] as const)('refuses %s of another transfer than the pending one', (type) =>
      given([registered, transferRequested]).when(command(type, { transferId: otherId })).thenFails('NO_PENDING_TRANSFER'));

    it('gives the case to the new cell once accepted', () => {
      const state = stateAfter([registered, transferRequested, { type: 'TransferAccepted', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', acceptedAt: at } }]);
      expect(state).toMatchObject({ cellId: 'nador', pendingTransfer: null });
    });

    it('keeps the case at its cell once declined, and takes a new request', () =>
      given([registered, transferRequested, { type: 'TransferDeclined', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', declinedAt: at } }])
        .when(command('RequestTransfer', { transferId: otherId, toCellId: 'berkane', reason: 'specialised_support' }))
        .then([{ type: 'TransferRequested', data: { beneficiaryId, transferId: otherId, fromCellId: 'oujda', toCellId: 'berkane', reason: 'specialised_support', requestedAt: at } }]));
  });

  describe('closing and reopening', () => {
    it('closes an open case', () =>
      given([registered]).when(command('CloseCase', { reason: 'resolved', note: 'All done' })).then([{ type: 'CaseClosed', data: { beneficiaryId, reason: 'resolved', note: 'All done', closedAt: at } }]));

    it('refuses to close a closed case', () => given([registered, caseClosed]).when(command('CloseCase', { reason: 'other' })).thenFails('CASE_ALREADY_CLOSED'));

    it('refuses to close a case with a pending transfer', () =>
      given([registered, transferRequested]).when(command('CloseCase', { reason: 'moved_away' })).thenFails('TRANSFER_PENDING'));

    it('reopens a closed case', () =>
      given([registered, caseClosed]).when(command('ReopenCase', { note: 'Came back' })).then([{ type: 'CaseReopened', data: { beneficiaryId, note: 'Came back', reopenedAt: at } }]));

    it('refuses to reopen an open case', () => given([registered]).when(command('ReopenCase', {})).thenFails('CASE_NOT_CLOSED'));

    it.each<[string, BeneficiaryCommand]>([
      ['RecordProfile', command('RecordProfile', { profile: { languages: ['arabic'] } })],
      ['GiveConsent', command('GiveConsent', { purpose: 'sharing', actor: 'agent:1' })],
      ['AssessNeeds', command('AssessNeeds', { needs: [{ code: 'health', priority: 'high' }] })],
      ['MarkNeedMet', command('MarkNeedMet', { code: 'health' })],
      ['ScheduleFollowUp', command('ScheduleFollowUp', { followUpId, dueDate: '2026-08-01' })],
      ['RecordFollowUpOutcome', command('RecordFollowUpOutcome', { followUpId, outcome: 'held' })],
      ['RequestTransfer', command('RequestTransfer', { transferId, toCellId: 'nador', reason: 'moved' })],
      ['AcceptTransfer', command('AcceptTransfer', { transferId })],
      ['DeclineTransfer', command('DeclineTransfer', { transferId })],
      ['LinkDuplicate', command('LinkDuplicate', { otherBeneficiaryId: otherId })],
      ['DismissDuplicate', command('DismissDuplicate', { otherBeneficiaryId: otherId })],
    ])('refuses %s while the case is closed: CASE_CLOSED', (_name, closedCommand) =>
      given([registered, needsAssessed(['health', 'high']), followUpScheduled(), caseClosed]).when(closedCommand).thenFails('CASE_CLOSED'));

    it('still records a consent withdrawn while the case is closed (law 09-08: at any time)', () =>
      given([registered, caseClosed])
        .when(command('WithdrawConsent', { purpose: 'statistics', actor: 'agent:1' }))
        .then([{ type: 'ConsentWithdrawn', data: { beneficiaryId, purpose: 'statistics', at, actor: 'agent:1' } }]));

    it('takes commands again once reopened', () =>
      given([registered, caseClosed, { type: 'CaseReopened', data: { beneficiaryId, reopenedAt: at } }])
        .when(command('AssessNeeds', { needs: [{ code: 'health', priority: 'low' }] }))
        .then([needsAssessed(['health', 'low'])]));
  });

  describe('decisions on possible duplicates', () => {
    it('links a duplicate', () =>
      given([registered])
        .when(command('LinkDuplicate', { otherBeneficiaryId: otherId }))
        .then([{ type: 'DuplicateLinked', data: { beneficiaryId, otherBeneficiaryId: otherId, decidedAt: at } }]));

    it('dismisses a possible duplicate', () =>
      given([registered])
        .when(command('DismissDuplicate', { otherBeneficiaryId: otherId }))
        .then([{ type: 'DuplicateDismissed', data: { beneficiaryId, otherBeneficiaryId: otherId, decidedAt: at } }]));

    it('changes nothing when the same decision is taken again', () =>
      given([registered, { type: 'DuplicateLinked', data: { beneficiaryId, otherBeneficiaryId: otherId, decidedAt: at } }])
        .when(command('LinkDuplicate', { otherBeneficiaryId: otherId }))
        .then([]));

    it('replaces a decision by the other one', () =>
      given([registered, { type: 'DuplicateLinked', data: { beneficiaryId, otherBeneficiaryId: otherId, decidedAt: at } }])
        .when(command('DismissDuplicate', { otherBeneficiaryId: otherId }))
        .then([{ type: 'DuplicateDismissed', data: { beneficiaryId, otherBeneficiaryId: otherId, decidedAt: at } }]));

    it.each(['LinkDuplicate', 'DismissDuplicate'] as const)('refuses %s of the beneficiary with themselves', (type) =>
      given([registered]).when(command(type, { otherBeneficiaryId: beneficiaryId })).thenFails('DUPLICATE_OF_ITSELF'));
  });
});
