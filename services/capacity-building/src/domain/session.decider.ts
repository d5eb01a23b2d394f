import type { EvaluationPhase, SessionModality } from '@oriental/contracts';
import { Decider, DomainCommand, DomainError, IllegalState } from '@oriental/domain-kit';
import {
  CompletionResult,
  enrolmentOf,
  evolveSession,
  initialSessionState,
  isSessionDay,
  regionDate,
  ScheduledSession,
  Session,
  sessionDayCount,
  SessionEvent,
} from './session';

/** A session command refused by a rule: answered 422 with its code. */
export class SessionRefused extends DomainError {
  constructor(code: SessionRefusal, message: string) {
    super(code, 'rule', message);
    this.name = 'SessionRefused';
  }
}

/** A command on a session never scheduled, or on an enrolment the session does not hold: answered 404. */
export class SessionResourceNotFound extends DomainError {
  constructor(code: 'SESSION_NOT_FOUND' | 'ENROLMENT_NOT_FOUND', message: string) {
    super(code, 'not_found', message);
    this.name = 'SessionResourceNotFound';
  }
}

export type SessionRefusal =
  | 'PROGRAMME_NOT_KNOWN'
  | 'SESSION_DATES_REVERSED'
  | 'SESSION_TOO_LONG'
  | 'PARTICIPANT_NOT_KNOWN'
  | 'PARTICIPANT_NOT_ENROLLED'
  | 'DAY_OUTSIDE_SESSION'
  | 'ATTENDANCE_DAY_IN_FUTURE'
  | 'SESSION_NOT_ENDED'
  | 'SESSION_CLOSED';

/** Longest session, in days: a session is a run of a course, not a year-long programme. */
export const MAX_SESSION_DAYS = 366;

/** What scheduling needs of the programme, or null when there is no such programme. */
export interface ProgrammeTerms {
  programmeId: string;
  minAttendance: number;
}

/** Every command carries who acts and the clock reading, so that `decide` stays deterministic. */
interface Acting {
  actor: string;
  now: Date;
}

export type ScheduleSession = DomainCommand<
  'ScheduleSession',
  Acting & {
    sessionId: string;
    programmeId: string;
    programme: ProgrammeTerms | null;
    cellId?: string;
    /** The cell's province when a cell is given (reference data), else the province named. */
    province: string;
    startDate: string;
    endDate: string;
    trainer: string;
    capacity: number;
    modality: SessionModality;
  }
>;
/** `participantKnown`: whether the participant is registered (their stream exists). */
export type EnrolParticipant = DomainCommand<'EnrolParticipant', Acting & { participantId: string; participantKnown: boolean }>;
export type WithdrawParticipant = DomainCommand<'WithdrawParticipant', Acting & { participantId: string }>;
export type RecordAttendance = DomainCommand<'RecordAttendance', Acting & { participantId: string; day: string; present: boolean }>;
export type RecordEvaluation = DomainCommand<'RecordEvaluation', Acting & { participantId: string; phase: EvaluationPhase; score: number }>;
/** `newCertificateCode`: a fresh verification code per call (random in the service, a sequence in specs). */
export type CloseSession = DomainCommand<'CloseSession', Acting & { newCertificateCode: () => string }>;

export type SessionCommand = ScheduleSession | EnrolParticipant | WithdrawParticipant | RecordAttendance | RecordEvaluation | CloseSession;

const open = (state: Session): ScheduledSession => {
  if (state.status === 'none') throw new SessionResourceNotFound('SESSION_NOT_FOUND', 'This session was never scheduled');
  if (state.status === 'closed') throw new SessionRefused('SESSION_CLOSED', `Session ${state.sessionId} is closed: nothing changes it any more`);
  return state;
};

const enrolledIn = (session: ScheduledSession, participantId: string): void => {
  if (enrolmentOf(session, participantId) !== 'enrolled') {
    throw new SessionRefused('PARTICIPANT_NOT_ENROLLED', `Participant ${participantId} holds no place in session ${session.sessionId} (not enrolled, waitlisted or withdrawn)`);
  }
};

/** Present days / session days; completion compares it with the threshold, with a margin for binary fractions (4/5 ≥ 0.8). */
const attendanceRateOf = (session: ScheduledSession, participantId: string): number => {
  const days = sessionDayCount(session.startDate, session.endDate);
  const present = Object.entries(session.attendance[participantId] ?? {}).filter(([day, here]) => here && isSessionDay(session, day)).length;
  return present / days;
};
const EPSILON = 1e-9;

const schedule = (command: ScheduleSession, state: Session): SessionEvent[] => {
  const { sessionId, programmeId, programme, cellId, province, startDate, endDate, trainer, capacity, modality, actor, now } = command.data;
  if (state.status !== 'none') throw new IllegalState('SESSION_ALREADY_SCHEDULED', `Session ${sessionId} is already scheduled`);
  if (!programme) throw new SessionRefused('PROGRAMME_NOT_KNOWN', `Programme ${programmeId} does not exist`);
  if (endDate < startDate) throw new SessionRefused('SESSION_DATES_REVERSED', `The session ends (${endDate}) before it starts (${startDate})`);
  if (sessionDayCount(startDate, endDate) > MAX_SESSION_DAYS) throw new SessionRefused('SESSION_TOO_LONG', `A session lasts at most ${MAX_SESSION_DAYS} days`);
  return [
    {
      type: 'SessionScheduled',
      data: {
        sessionId,
        programmeId,
        ...(cellId !== undefined ? { cellId } : {}),
        province,
        startDate,
        endDate,
        capacity,
        modality,
        scheduledAt: now.toISOString(),
        trainer,
        minAttendance: programme.minAttendance,
        by: actor,
      },
    },
  ];
};

const enrol = (command: EnrolParticipant, state: Session): SessionEvent[] => {
  const session = open(state);
  const { participantId, participantKnown, actor, now } = command.data;
  if (!participantKnown) throw new SessionRefused('PARTICIPANT_NOT_KNOWN', `Participant ${participantId} is not registered`);
  const standing = enrolmentOf(session, participantId);
  if (standing !== 'none') throw new IllegalState('PARTICIPANT_ALREADY_ENROLLED', `Participant ${participantId} is already ${standing} in session ${session.sessionId}`);
  const { sessionId } = session;
  if (session.enrolled.length < session.capacity) return [{ type: 'ParticipantEnrolled', data: { sessionId, participantId, enrolledAt: now.toISOString(), by: actor } }];
  return [{ type: 'ParticipantWaitlisted', data: { sessionId, participantId, position: session.waitlist.length + 1, waitlistedAt: now.toISOString(), by: actor } }];
};

const withdraw = (command: WithdrawParticipant, state: Session): SessionEvent[] => {
  const session = open(state);
  const { participantId, actor, now } = command.data;
  const standing = enrolmentOf(session, participantId);
  if (standing === 'none') throw new SessionResourceNotFound('ENROLMENT_NOT_FOUND', `Participant ${participantId} is neither enrolled nor waitlisted in session ${session.sessionId}`);
  const { sessionId } = session;
  const withdrawn: SessionEvent = { type: 'ParticipantWithdrawn', data: { sessionId, participantId, from: standing, withdrawnAt: now.toISOString(), by: actor } };
  // A place freed goes to the first in line, in the same append: the session is never left with a free place and a line.
  const [next] = session.waitlist;
  if (standing === 'waitlisted' || next === undefined) return [withdrawn];
  return [withdrawn, { type: 'ParticipantPromotedFromWaitlist', data: { sessionId, participantId: next, promotedAt: now.toISOString(), by: actor } }];
};

const recordAttendance = (command: RecordAttendance, state: Session): SessionEvent[] => {
  const session = open(state);
  const { participantId, day, present, actor, now } = command.data;
  enrolledIn(session, participantId);
  if (!isSessionDay(session, day)) throw new SessionRefused('DAY_OUTSIDE_SESSION', `${day} is not a day of the session (${session.startDate} to ${session.endDate})`);
  if (day > regionDate(now)) throw new SessionRefused('ATTENDANCE_DAY_IN_FUTURE', `${day} has not come yet: attendance is recorded on the day or after`);
  // The same as already recorded: nothing to record.
  if (session.attendance[participantId]?.[day] === present) return [];
  return [{ type: 'AttendanceRecorded', data: { sessionId: session.sessionId, participantId, day, present, recordedAt: now.toISOString(), by: actor } }];
};

const recordEvaluation = (command: RecordEvaluation, state: Session): SessionEvent[] => {
  const session = open(state);
  const { participantId, phase, score, actor, now } = command.data;
  enrolledIn(session, participantId);
  if (session.evaluations[participantId]?.[phase] !== undefined) {
    throw new IllegalState('EVALUATION_ALREADY_RECORDED', `Participant ${participantId}'s ${phase}-training evaluation is already recorded`);
  }
  return [{ type: 'EvaluationRecorded', data: { sessionId: session.sessionId, participantId, phase, score, recordedAt: now.toISOString(), by: actor } }];
};

const close = (command: CloseSession, state: Session): SessionEvent[] => {
  if (state.status === 'closed') throw new IllegalState('SESSION_ALREADY_CLOSED', `Session ${state.sessionId} is already closed: its certificates were issued`);
  const session = open(state);
  const { newCertificateCode, actor, now } = command.data;
  if (regionDate(now) < session.endDate) throw new SessionRefused('SESSION_NOT_ENDED', `Session ${session.sessionId} runs until ${session.endDate}: close it on its last day or after`);
  const { sessionId, programmeId } = session;
  const results: CompletionResult[] = session.enrolled.map((participantId) => {
    const attendanceRate = attendanceRateOf(session, participantId);
    return { participantId, attendanceRate, completed: attendanceRate + EPSILON >= session.minAttendance };
  });
  const completed = results.filter((result) => result.completed);
  const at = now.toISOString();
  return [
    { type: 'SessionClosed', data: { sessionId, programmeId, enrolled: results.length, completed: completed.length, closedAt: at, results, by: actor } },
    ...completed.map(
      ({ participantId, attendanceRate }): SessionEvent => ({
        type: 'CertificateIssued',
        data: { sessionId, participantId, programmeId, attendanceRate, issuedAt: at, code: newCertificateCode(), by: actor },
      }),
    ),
  ];
};

export const decideSession = (command: SessionCommand, state: Session): SessionEvent[] => {
  switch (command.type) {
    case 'ScheduleSession':
      return schedule(command, state);
    case 'EnrolParticipant':
      return enrol(command, state);
    case 'WithdrawParticipant':
      return withdraw(command, state);
    case 'RecordAttendance':
      return recordAttendance(command, state);
    case 'RecordEvaluation':
      return recordEvaluation(command, state);
    case 'CloseSession':
      return close(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const sessionDecider: Decider<SessionCommand, SessionEvent, Session> = { decide: decideSession, evolve: evolveSession, initialState: initialSessionState };
