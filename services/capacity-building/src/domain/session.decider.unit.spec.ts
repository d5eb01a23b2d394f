import { specFor } from '@oriental/domain-kit';
import { CompletionResult, regionDate, SessionEvent } from './session';
import { CloseSession, ScheduleSession, sessionDecider, SessionCommand } from './session.decider';

const given = specFor(sessionDecider);
const sessionId = '0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01';
const programmeId = '5d1c0e2a-3b4f-4a5e-8c6d-7e8f9a0b1c2d';
const [amina, karim, leila, omar] = [
  '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01',
  '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c02',
  '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c03',
  '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c04',
] as const;
const trainer = 'trainer:oujda-1';
/** Before the session, when it is scheduled and people enrol. */
const before = new Date('2026-02-20T10:00:00.000Z');
/** During the session (2 to 6 March), on its third day. */
const during = new Date('2026-03-04T16:00:00.000Z');
/** After its last day. */
const after = new Date('2026-03-09T09:00:00.000Z');

const scheduleSession = (overrides: Partial<ScheduleSession['data']> = {}): ScheduleSession => ({
  type: 'ScheduleSession',
  data: {
    sessionId,
    programmeId,
    programme: { programmeId, minAttendance: 0.8 },
    cellId: 'oujda',
    province: 'oujda-angad',
    startDate: '2026-03-02',
    endDate: '2026-03-06',
    trainer: 'Samira Benali',
    capacity: 2,
    modality: 'in_person',
    actor: trainer,
    now: before,
    ...overrides,
  },
});

const scheduled = (overrides: { capacity?: number; minAttendance?: number; endDate?: string } = {}): SessionEvent => ({
  type: 'SessionScheduled',
  data: {
    sessionId,
    programmeId,
    cellId: 'oujda',
    province: 'oujda-angad',
    startDate: '2026-03-02',
    endDate: overrides.endDate ?? '2026-03-06',
    capacity: overrides.capacity ?? 2,
    modality: 'in_person',
    scheduledAt: before.toISOString(),
    trainer: 'Samira Benali',
    minAttendance: overrides.minAttendance ?? 0.8,
    by: trainer,
  },
});
const at = before.toISOString();
const enrolled = (participantId: string): SessionEvent => ({ type: 'ParticipantEnrolled', data: { sessionId, participantId, enrolledAt: at, by: trainer } });
const waitlisted = (participantId: string, position: number): SessionEvent => ({ type: 'ParticipantWaitlisted', data: { sessionId, participantId, position, waitlistedAt: at, by: trainer } });
const withdrawn = (participantId: string, from: 'enrolled' | 'waitlisted', when = before): SessionEvent => ({
  type: 'ParticipantWithdrawn',
  data: { sessionId, participantId, from, withdrawnAt: when.toISOString(), by: trainer },
});
const promoted = (participantId: string, when = before): SessionEvent => ({
  type: 'ParticipantPromotedFromWaitlist',
  data: { sessionId, participantId, promotedAt: when.toISOString(), by: trainer },
});
const attended = (participantId: string, day: string, present = true): SessionEvent => ({
  type: 'AttendanceRecorded',
  data: { sessionId, participantId, day, present, recordedAt: during.toISOString(), by: trainer },
});
const evaluated = (participantId: string, phase: 'pre' | 'post', score: number): SessionEvent => ({
  type: 'EvaluationRecorded',
  data: { sessionId, participantId, phase, score, recordedAt: during.toISOString(), by: trainer },
});
const closed = (results: CompletionResult[]): SessionEvent => ({
  type: 'SessionClosed',
  data: { sessionId, programmeId, enrolled: results.length, completed: results.filter((r) => r.completed).length, closedAt: after.toISOString(), results, by: trainer },
});
const certificate = (participantId: string, attendanceRate: number, code: string): SessionEvent => ({
  type: 'CertificateIssued',
  data: { sessionId, participantId, programmeId, attendanceRate, issuedAt: after.toISOString(), code, by: trainer },
});

const act = (type: Exclude<SessionCommand['type'], 'ScheduleSession' | 'CloseSession'>, data: object, now = before): SessionCommand =>
  ({ type, data: { actor: trainer, now, ...data } }) as SessionCommand;
const enrol = (participantId: string, participantKnown = true) => act('EnrolParticipant', { participantId, participantKnown });
const withdraw = (participantId: string, now = before) => act('WithdrawParticipant', { participantId }, now);
const attend = (participantId: string, day: string, present = true, now = during) => act('RecordAttendance', { participantId, day, present }, now);
const evaluate = (participantId: string, phase: 'pre' | 'post', score: number) => act('RecordEvaluation', { participantId, phase, score }, during);
/** Closes with codes CB-0000-0000-0001, …0002, … in turn. */
const closeSession = (now = after): CloseSession => {
  let issued = 0;
  return { type: 'CloseSession', data: { actor: trainer, now, newCertificateCode: () => `CB-0000-0000-000${++issued}` } };
};
/** Present on `days` of the five days from 2 March. */
const presentOn = (participantId: string, days: number): SessionEvent[] => Array.from({ length: days }, (_, i) => attended(participantId, `2026-03-0${2 + i}`));

describe('Session', () => {
  describe('when a trainer schedules it', () => {
    it('records it with the programme’s threshold', () => given([]).when(scheduleSession()).then([scheduled()]));

    it('refuses a programme that does not exist', () => given([]).when(scheduleSession({ programme: null })).thenFails('PROGRAMME_NOT_KNOWN'));

    it('refuses an end before the start', () => given([]).when(scheduleSession({ endDate: '2026-03-01' })).thenFails('SESSION_DATES_REVERSED'));

    it('takes a one-day session', () =>
      given([]).when(scheduleSession({ endDate: '2026-03-02' })).then([scheduled({ endDate: '2026-03-02' })]));

    it('refuses a session longer than a year', () => given([]).when(scheduleSession({ endDate: '2027-03-06' })).thenFails('SESSION_TOO_LONG'));

    it('refuses to schedule it twice', () => given([scheduled()]).when(scheduleSession()).thenFails('SESSION_ALREADY_SCHEDULED'));
  });

  describe('capacity: when participants enrol', () => {
    it('gives a place while there is one', () => given([scheduled()]).when(enrol(amina)).then([enrolled(amina)]));

    it('puts the one past capacity on the waiting list, first in line', () =>
      given([scheduled(), enrolled(amina), enrolled(karim)]).when(enrol(leila)).then([waitlisted(leila, 1)]));

    it('lines up the next behind them', () =>
      given([scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1)]).when(enrol(omar)).then([waitlisted(omar, 2)]));

    it('refuses someone already enrolled or waitlisted: 409', () => {
      given([scheduled(), enrolled(amina)]).when(enrol(amina)).thenFails('PARTICIPANT_ALREADY_ENROLLED');
      given([scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1)]).when(enrol(leila)).thenFails('PARTICIPANT_ALREADY_ENROLLED');
    });

    it('takes back someone who withdrew', () => given([scheduled(), enrolled(amina), withdrawn(amina, 'enrolled')]).when(enrol(amina)).then([enrolled(amina)]));

    it('refuses a participant who is not registered', () => given([scheduled()]).when(enrol(amina, false)).thenFails('PARTICIPANT_NOT_KNOWN'));

    it('answers 404 for a session never scheduled', () => given([]).when(enrol(amina)).thenFails('SESSION_NOT_FOUND'));
  });

  describe('the waiting list: when a participant withdraws', () => {
    const full = [scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1), waitlisted(omar, 2)];

    it('gives the freed place to the first in line, in the same append', () =>
      given(full).when(withdraw(amina)).then([withdrawn(amina, 'enrolled'), promoted(leila)]));

    it('then to the next in line', () =>
      given([...full, withdrawn(amina, 'enrolled'), promoted(leila)]).when(withdraw(karim)).then([withdrawn(karim, 'enrolled'), promoted(omar)]));

    it('frees the place when nobody is in line', () => given([scheduled(), enrolled(amina)]).when(withdraw(amina)).then([withdrawn(amina, 'enrolled')]));

    it('takes someone out of the line, promoting nobody', () => given(full).when(withdraw(leila)).then([withdrawn(leila, 'waitlisted')]));

    it('moves those behind up: the next place goes to who was behind the one who left the line', () =>
      given([...full, withdrawn(leila, 'waitlisted')]).when(withdraw(karim)).then([withdrawn(karim, 'enrolled'), promoted(omar)]));

    it('answers 404 for someone neither enrolled nor in line', () => {
      given([scheduled(), enrolled(amina)]).when(withdraw(karim)).thenFails('ENROLMENT_NOT_FOUND');
      given([scheduled(), enrolled(amina), withdrawn(amina, 'enrolled')]).when(withdraw(amina)).thenFails('ENROLMENT_NOT_FOUND');
    });
  });

  describe('attendance, per session day', () => {
    const withAmina = [scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1)];

    it('records an enrolled participant present or absent on a day of the session', () => {
      given(withAmina).when(attend(amina, '2026-03-02')).then([attended(amina, '2026-03-02')]);
      given(withAmina).when(attend(amina, '2026-03-03', false)).then([attended(amina, '2026-03-03', false)]);
    });

    it('corrects a day recorded before, and records nothing when it says the same', () => {
      given([...withAmina, attended(amina, '2026-03-02')]).when(attend(amina, '2026-03-02', false)).then([attended(amina, '2026-03-02', false)]);
      given([...withAmina, attended(amina, '2026-03-02')]).when(attend(amina, '2026-03-02')).then([]);
    });

    it('refuses a day outside the session’s dates', () => {
      given(withAmina).when(attend(amina, '2026-03-01')).thenFails('DAY_OUTSIDE_SESSION');
      given(withAmina).when(attend(amina, '2026-03-07', true, after)).thenFails('DAY_OUTSIDE_SESSION');
    });

    it('refuses a day that has not come yet, in the region’s time', () => {
      given(withAmina).when(attend(amina, '2026-03-05')).thenFails('ATTENDANCE_DAY_IN_FUTURE');
      given(withAmina).when(attend(amina, '2026-03-04')).then([attended(amina, '2026-03-04')]);
    });

    it('takes the region’s date for today, not UTC’s', () => {
      // 23:30 UTC on 20 July is 00:30 on the 21st in Oujda (UTC+1); in Ramadan Morocco is on UTC.
      expect(regionDate(new Date('2026-07-20T23:30:00.000Z'))).toBe('2026-07-21');
      expect(regionDate(new Date('2026-07-20T22:30:00.000Z'))).toBe('2026-07-20');
      expect(regionDate(new Date('2026-03-04T23:30:00.000Z'))).toBe('2026-03-04');
    });

    it('refuses someone waitlisted, withdrawn or never enrolled', () => {
      given(withAmina).when(attend(leila, '2026-03-02')).thenFails('PARTICIPANT_NOT_ENROLLED');
      given([...withAmina, withdrawn(amina, 'enrolled'), promoted(leila)]).when(attend(amina, '2026-03-02')).thenFails('PARTICIPANT_NOT_ENROLLED');
      given(withAmina).when(attend(omar, '2026-03-02')).thenFails('PARTICIPANT_NOT_ENROLLED');
    });

    it('records it for someone promoted from the line', () =>
      given([...withAmina, withdrawn(karim, 'enrolled'), promoted(leila)]).when(attend(leila, '2026-03-02')).then([attended(leila, '2026-03-02')]));
  });

  describe('evaluations', () => {
    const withAmina = [scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1)];

    it('records the pre- and post-training scores', () => {
      given(withAmina).when(evaluate(amina, 'pre', 42)).then([evaluated(amina, 'pre', 42)]);
      given([...withAmina, evaluated(amina, 'pre', 42)]).when(evaluate(amina, 'post', 78.5)).then([evaluated(amina, 'post', 78.5)]);
    });

    it('takes a post score without a pre score', () => given(withAmina).when(evaluate(amina, 'post', 60)).then([evaluated(amina, 'post', 60)]));

    it('records each phase once: 409', () => given([...withAmina, evaluated(amina, 'pre', 42)]).when(evaluate(amina, 'pre', 50)).thenFails('EVALUATION_ALREADY_RECORDED'));

    it('refuses someone who holds no place', () => given(withAmina).when(evaluate(leila, 'pre', 42)).thenFails('PARTICIPANT_NOT_ENROLLED'));
  });

  describe('completion: when the trainer closes the session', () => {
    const enrolledTwo = [scheduled(), enrolled(amina), enrolled(karim), waitlisted(leila, 1)];

    it('issues a certificate to who attended at least the threshold (4 of 5 days ≥ 0.8), none to who did not (3 of 5)', () =>
      given([...enrolledTwo, ...presentOn(amina, 4), ...presentOn(karim, 3)])
        .when(closeSession())
        .then([
          closed([
            { participantId: amina, attendanceRate: 0.8, completed: true },
            { participantId: karim, attendanceRate: 0.6, completed: false },
          ]),
          certificate(amina, 0.8, 'CB-0000-0000-0001'),
        ]));

    it('counts only days present: an absence recorded, or a presence corrected to absence, is not attendance', () =>
      given([...enrolledTwo, ...presentOn(amina, 5), attended(amina, '2026-03-06', false), attended(karim, '2026-03-02', false)])
        .when(closeSession())
        .then([
          closed([
            { participantId: amina, attendanceRate: 0.8, completed: true },
            { participantId: karim, attendanceRate: 0, completed: false },
          ]),
          certificate(amina, 0.8, 'CB-0000-0000-0001'),
        ]));

    it('gives every one enrolled a certificate when the threshold is 0, and leaves out who is still in line or withdrew', () =>
      given([scheduled({ minAttendance: 0 }), enrolled(amina), enrolled(karim), waitlisted(leila, 1), withdrawn(leila, 'waitlisted')])
        .when(closeSession())
        .then([
          closed([
            { participantId: amina, attendanceRate: 0, completed: true },
            { participantId: karim, attendanceRate: 0, completed: true },
          ]),
          certificate(amina, 0, 'CB-0000-0000-0001'),
          certificate(karim, 0, 'CB-0000-0000-0002'),
        ]));

    it('asks all five days when the threshold is 1', () =>
      given([scheduled({ minAttendance: 1 }), enrolled(amina), ...presentOn(amina, 4)])
        .when(closeSession())
        .then([closed([{ participantId: amina, attendanceRate: 0.8, completed: false }])]));

    it('counts a promoted participant’s days like anyone’s', () =>
      given([...enrolledTwo, withdrawn(karim, 'enrolled', during), promoted(leila, during), ...presentOn(leila, 5), ...presentOn(amina, 1)])
        .when(closeSession())
        .then([
          closed([
            { participantId: amina, attendanceRate: 0.2, completed: false },
            { participantId: leila, attendanceRate: 1, completed: true },
          ]),
          certificate(leila, 1, 'CB-0000-0000-0001'),
        ]));

    it('refuses to close before the last day', () => given(enrolledTwo).when(closeSession(during)).thenFails('SESSION_NOT_ENDED'));

    it('closes on the last day', () =>
      given([scheduled(), enrolled(amina)])
        .when(closeSession(new Date('2026-03-06T17:00:00.000Z')))
        .then([
          {
            type: 'SessionClosed',
            data: {
              sessionId,
              programmeId,
              enrolled: 1,
              completed: 0,
              closedAt: '2026-03-06T17:00:00.000Z',
              results: [{ participantId: amina, attendanceRate: 0, completed: false }],
              by: trainer,
            },
          },
        ]));

    it('issues certificates once: a closed session is not closed again (409)', () =>
      given([...enrolledTwo, closed([]), certificate(amina, 1, 'CB-0000-0000-0001')]).when(closeSession()).thenFails('SESSION_ALREADY_CLOSED'));

    it('answers 404 for a session never scheduled', () => given([]).when(closeSession()).thenFails('SESSION_NOT_FOUND'));
  });

  describe('once closed, nothing changes it', () => {
    const done = [scheduled(), enrolled(amina), closed([{ participantId: amina, attendanceRate: 0, completed: false }])];

    it.each([
      ['an enrolment', enrol(karim)],
      ['a withdrawal', withdraw(amina)],
      ['attendance', attend(amina, '2026-03-02', true, after)],
      ['an evaluation', evaluate(amina, 'post', 90)],
    ])('refuses %s: SESSION_CLOSED', (_, command) => given(done).when(command).thenFails('SESSION_CLOSED'));
  });
});
