import type {
  AttendanceRecordedV1,
  CertificateIssuedV1,
  EvaluationPhase,
  EvaluationRecordedV1,
  ParticipantEnrolledV1,
  ParticipantPromotedFromWaitlistV1,
  ParticipantWaitlistedV1,
  ParticipantWithdrawnV1,
  SessionClosedV1,
  SessionModality,
  SessionScheduledV1,
} from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';

/**
 * A session: one run of a programme, for one cell or one province, from `startDate` to
 * `endDate`; every calendar day between them, both included, is a *session day*. It has a
 * trainer, a capacity and a modality (in person or remote). Its history is the stream
 * `session-<id>`.
 *
 * The session owns its enrolments: capacity and the waiting list are one rule over the
 * participants of one session, so the session stream is their consistency boundary (ADR 0014).
 * A participant who enrols in a full session is *waitlisted*, in line in the order they came;
 * when an enrolled participant withdraws, the first in line is promoted in the same append. The
 * session records each enrolled participant's attendance per session day and their pre- and
 * post-training evaluation scores. *Closing* it computes completion: an enrolled participant
 * completes when they were present on at least `minAttendance` (the programme's threshold,
 * copied at scheduling) of the session days, and gets a certificate with a verification code.
 * Nothing changes a closed session, so a certificate is issued once.
 *
 * Event data is DERIVED from the published contract: the integration event plus what the session
 * keeps to itself (the trainer, the threshold, each participant's result, certificate codes, who
 * acted), which the published language drops.
 */

/** How a participant fared when the session closed. */
export interface CompletionResult {
  participantId: string;
  /** Days present / session days, 0–1. */
  attendanceRate: number;
  completed: boolean;
}

type By = { by: string };

export type SessionScheduled = DomainEvent<'SessionScheduled', SessionScheduledV1 & { trainer: string; minAttendance: number } & By>;
export type ParticipantEnrolled = DomainEvent<'ParticipantEnrolled', ParticipantEnrolledV1 & By>;
export type ParticipantWaitlisted = DomainEvent<'ParticipantWaitlisted', ParticipantWaitlistedV1 & By>;
export type ParticipantWithdrawn = DomainEvent<'ParticipantWithdrawn', ParticipantWithdrawnV1 & By>;
export type ParticipantPromotedFromWaitlist = DomainEvent<'ParticipantPromotedFromWaitlist', ParticipantPromotedFromWaitlistV1 & By>;
export type AttendanceRecorded = DomainEvent<'AttendanceRecorded', AttendanceRecordedV1 & By>;
export type EvaluationRecorded = DomainEvent<'EvaluationRecorded', EvaluationRecordedV1 & By>;
/** `results`: every participant enrolled at closing, in enrolment order, completed or not. */
export type SessionClosed = DomainEvent<'SessionClosed', SessionClosedV1 & { results: CompletionResult[] } & By>;
/** `code`: the verification code anyone may check (`GET /certificates/{code}`); never published. */
export type CertificateIssued = DomainEvent<'CertificateIssued', CertificateIssuedV1 & { code: string } & By>;

export type SessionEvent =
  | SessionScheduled
  | ParticipantEnrolled
  | ParticipantWaitlisted
  | ParticipantWithdrawn
  | ParticipantPromotedFromWaitlist
  | AttendanceRecorded
  | EvaluationRecorded
  | SessionClosed
  | CertificateIssued;

export type SessionEventType = SessionEvent['type'];

export interface ScheduledSession {
  status: 'scheduled' | 'closed';
  sessionId: string;
  programmeId: string;
  cellId?: string;
  province: string;
  /** YYYY-MM-DD, both included. */
  startDate: string;
  endDate: string;
  trainer: string;
  capacity: number;
  modality: SessionModality;
  /** The programme's threshold when the session was scheduled. */
  minAttendance: number;
  scheduledAt: string;
  /** Participants holding a place, in the order they got it. */
  enrolled: string[];
  /** Participants in line for a place, first in line first. */
  waitlist: string[];
  /** Per enrolled (or once enrolled) participant, per session day: present or not, as last recorded. */
  attendance: Record<string, Record<string, boolean>>;
  evaluations: Record<string, Partial<Record<EvaluationPhase, number>>>;
  /** Participant → certificate code, once closed. */
  certificates: Record<string, string>;
  closedAt?: string;
}

export type Session = { status: 'none' } | ScheduledSession;

export const initialSessionState: Session = { status: 'none' };

const without = (ids: readonly string[], id: string): string[] => ids.filter((candidate) => candidate !== id);

const scheduled = (state: Session, event: SessionEvent): ScheduledSession => {
  if (state.status === 'none') throw new Error(`${event.type} before SessionScheduled`);
  return state;
};

export const evolveSession = (state: Session, event: SessionEvent): Session => {
  switch (event.type) {
    case 'SessionScheduled': {
      const { sessionId, programmeId, cellId, province, startDate, endDate, trainer, capacity, modality, minAttendance, scheduledAt } = event.data;
      return {
        status: 'scheduled',
        sessionId,
        programmeId,
        ...(cellId !== undefined ? { cellId } : {}),
        province,
        startDate,
        endDate,
        trainer,
        capacity,
        modality,
        minAttendance,
        scheduledAt,
        enrolled: [],
        waitlist: [],
        attendance: {},
        evaluations: {},
        certificates: {},
      };
    }
    case 'ParticipantEnrolled': {
      const session = scheduled(state, event);
      return { ...session, enrolled: [...session.enrolled, event.data.participantId] };
    }
    case 'ParticipantWaitlisted': {
      const session = scheduled(state, event);
      return { ...session, waitlist: [...session.waitlist, event.data.participantId] };
    }
    case 'ParticipantWithdrawn': {
      const session = scheduled(state, event);
      const { participantId } = event.data;
      return { ...session, enrolled: without(session.enrolled, participantId), waitlist: without(session.waitlist, participantId) };
    }
    case 'ParticipantPromotedFromWaitlist': {
      const session = scheduled(state, event);
      const { participantId } = event.data;
      return { ...session, waitlist: without(session.waitlist, participantId), enrolled: [...session.enrolled, participantId] };
    }
    case 'AttendanceRecorded': {
      const session = scheduled(state, event);
      const { participantId, day, present } = event.data;
      return { ...session, attendance: { ...session.attendance, [participantId]: { ...session.attendance[participantId], [day]: present } } };
    }
    case 'EvaluationRecorded': {
      const session = scheduled(state, event);
      const { participantId, phase, score } = event.data;
      return { ...session, evaluations: { ...session.evaluations, [participantId]: { ...session.evaluations[participantId], [phase]: score } } };
    }
    case 'SessionClosed':
      return { ...scheduled(state, event), status: 'closed', closedAt: event.data.closedAt };
    case 'CertificateIssued': {
      const session = scheduled(state, event);
      return { ...session, certificates: { ...session.certificates, [event.data.participantId]: event.data.code } };
    }
    default: {
      const unknown: never = event;
      throw new Error(`Unknown session event ${JSON.stringify(unknown)}`);
    }
  }
};

/** Where a participant stands in the session: holding a place, in line, or neither (never enrolled, or withdrawn). */
export const enrolmentOf = (session: ScheduledSession, participantId: string): 'enrolled' | 'waitlisted' | 'none' =>
  session.enrolled.includes(participantId) ? 'enrolled' : session.waitlist.includes(participantId) ? 'waitlisted' : 'none';

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/** How many session days there are from `startDate` to `endDate`, both included. */
export const sessionDayCount = (startDate: string, endDate: string): number => dayNumber(endDate) - dayNumber(startDate) + 1;

/** Whether `day` is one of the session's days. ISO dates compare as text. */
export const isSessionDay = (session: Pick<ScheduledSession, 'startDate' | 'endDate'>, day: string): boolean => day >= session.startDate && day <= session.endDate;

/**
 * The calendar date in the region (Morocco, `Africa/Casablanca`) at `now`: the day a trainer in
 * Oujda calls today, which UTC's is not for part of the night. Deterministic in `now`.
 */
export const regionDate = (now: Date): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Casablanca', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

export const SESSION_CATEGORY = 'session';

export const sessionStream = (sessionId: string): string => `${SESSION_CATEGORY}-${sessionId}`;
