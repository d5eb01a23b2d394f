import { z } from 'zod';
import { isoDate, Sexes } from './intake.events';
import { ContractDefinition, IntegrationEvent } from './integration-event';

/**
 * Integration events of the capacity-building context (topic `Topics.capacityBuilding`).
 *
 * The programme trains the people who run the network: cell officers, elected officials and
 * civil-society members. A *programme* is a course (title, objectives, the actor types it is
 * meant for, and `minAttendance`, the fraction of session days a participant must attend to
 * complete it). A *session* is one run of a programme, for one cell or one province, from a
 * start date to an end date (every calendar day between them, both included, is a *session
 * day*), with a capacity. A *participant* is a person trained; their names are personal data
 * and never leave the service. Participants *enrol* in a session: when it is full they are
 * *waitlisted*, and move up, first come first served, when an enrolled participant withdraws.
 * Closing a session issues a *certificate* to each enrolled participant whose attendance met
 * the programme's threshold: that is *completion*.
 *
 * Events of a `session-<id>` stream carry the session's cell in the envelope's `cellId` when it
 * has one; `SessionScheduled` names the province either way. Published events never carry
 * names, the trainer, nor a certificate's verification code (which would let a reader look up
 * the holder's initials).
 */
export const ActorTypes = ['cell_officer', 'elected_official', 'civil_society_member', 'other'] as const;
export type ActorType = (typeof ActorTypes)[number];

export const SessionModalities = ['in_person', 'remote'] as const;
export type SessionModality = (typeof SessionModalities)[number];

/** When an evaluation is taken: before the training (`pre`) or after it (`post`). */
export const EvaluationPhases = ['pre', 'post'] as const;
export type EvaluationPhase = (typeof EvaluationPhases)[number];

/** Evaluation scores are percentages: the mean score gain is a mean of (post − pre). */
export const EVALUATION_SCORE_MAX = 100;

/** Where an enrolment stood when the participant withdrew. */
export const EnrolmentStatuses = ['enrolled', 'waitlisted'] as const;
export type EnrolmentStatus = (typeof EnrolmentStatuses)[number];

const instant = z.string().datetime({ offset: true });
const id = z.string().uuid();
const sessionFact = { sessionId: id };
const enrolmentFact = { sessionId: id, participantId: id };

export const programmeCreatedV1 = z.object({
  programmeId: id,
  title: z.string().min(1),
  targetActorTypes: z.array(z.enum(ActorTypes)).min(1),
  /** Fraction of session days (0–1) a participant must attend to complete the programme. */
  minAttendance: z.number().min(0).max(1),
  createdAt: instant,
});
export const sessionScheduledV1 = z.object({
  ...sessionFact,
  programmeId: id,
  /** The cell it is held for, when it is held for one (reference data `cells.json`). */
  cellId: z.string().min(1).optional(),
  /** The province or prefecture (reference data `territory.json`): the cell's, or the one named. */
  province: z.string().min(1),
  startDate: isoDate,
  endDate: isoDate,
  capacity: z.int().positive(),
  modality: z.enum(SessionModalities),
  scheduledAt: instant,
});
export const participantRegisteredV1 = z.object({
  participantId: id,
  actorType: z.enum(ActorTypes),
  sex: z.enum(Sexes),
  organisation: z.string().min(1),
  /** Commune id (reference data `territory.json`) and its province. */
  commune: z.string().min(1),
  province: z.string().min(1),
  registeredAt: instant,
});
export const participantEnrolledV1 = z.object({ ...enrolmentFact, enrolledAt: instant });
/** The session was full: the participant is `position`th in line (1 is next). */
export const participantWaitlistedV1 = z.object({ ...enrolmentFact, position: z.int().positive(), waitlistedAt: instant });
/** `from` says whether a place was freed (`enrolled`) or a place in line (`waitlisted`). */
export const participantWithdrawnV1 = z.object({ ...enrolmentFact, from: z.enum(EnrolmentStatuses), withdrawnAt: instant });
/** A place freed: the first in line is now enrolled (follows the `ParticipantWithdrawn` that freed it). */
export const participantPromotedFromWaitlistV1 = z.object({ ...enrolmentFact, promotedAt: instant });
/** Whether an enrolled participant was there on one session day; a later record for the same day corrects it. */
export const attendanceRecordedV1 = z.object({ ...enrolmentFact, day: isoDate, present: z.boolean(), recordedAt: instant });
/** A score out of `EVALUATION_SCORE_MAX`, once per participant, session and phase. */
export const evaluationRecordedV1 = z.object({
  ...enrolmentFact,
  phase: z.enum(EvaluationPhases),
  score: z.number().min(0).max(EVALUATION_SCORE_MAX),
  recordedAt: instant,
});
/**
 * The session is over: `enrolled` participants were enrolled when it closed, `completed` of them
 * met the threshold (each gets a `CertificateIssued`, published right after). Nothing changes a
 * closed session.
 */
export const sessionClosedV1 = z.object({
  ...sessionFact,
  programmeId: id,
  enrolled: z.int().nonnegative(),
  completed: z.int().nonnegative(),
  closedAt: instant,
});
/** Completion: the participant attended `attendanceRate` (0–1) of the session days, at least the programme's threshold. */
export const certificateIssuedV1 = z.object({
  ...enrolmentFact,
  programmeId: id,
  attendanceRate: z.number().min(0).max(1),
  issuedAt: instant,
});

export type ProgrammeCreatedV1 = z.infer<typeof programmeCreatedV1>;
export type SessionScheduledV1 = z.infer<typeof sessionScheduledV1>;
export type ParticipantRegisteredV1 = z.infer<typeof participantRegisteredV1>;
export type ParticipantEnrolledV1 = z.infer<typeof participantEnrolledV1>;
export type ParticipantWaitlistedV1 = z.infer<typeof participantWaitlistedV1>;
export type ParticipantWithdrawnV1 = z.infer<typeof participantWithdrawnV1>;
export type ParticipantPromotedFromWaitlistV1 = z.infer<typeof participantPromotedFromWaitlistV1>;
export type AttendanceRecordedV1 = z.infer<typeof attendanceRecordedV1>;
export type EvaluationRecordedV1 = z.infer<typeof evaluationRecordedV1>;
export type SessionClosedV1 = z.infer<typeof sessionClosedV1>;
export type CertificateIssuedV1 = z.infer<typeof certificateIssuedV1>;

/** Capacity building's integration events, latest version each, as consumers see them after `ContractRegistry.parse`. */
export type CapacityBuildingIntegrationEvent =
  | IntegrationEvent<'ProgrammeCreated', ProgrammeCreatedV1>
  | IntegrationEvent<'SessionScheduled', SessionScheduledV1>
  | IntegrationEvent<'ParticipantRegistered', ParticipantRegisteredV1>
  | IntegrationEvent<'ParticipantEnrolled', ParticipantEnrolledV1>
  | IntegrationEvent<'ParticipantWaitlisted', ParticipantWaitlistedV1>
  | IntegrationEvent<'ParticipantWithdrawn', ParticipantWithdrawnV1>
  | IntegrationEvent<'ParticipantPromotedFromWaitlist', ParticipantPromotedFromWaitlistV1>
  | IntegrationEvent<'AttendanceRecorded', AttendanceRecordedV1>
  | IntegrationEvent<'EvaluationRecorded', EvaluationRecordedV1>
  | IntegrationEvent<'SessionClosed', SessionClosedV1>
  | IntegrationEvent<'CertificateIssued', CertificateIssuedV1>;

/** The schema of each event's latest version: what the published language validates against. */
export const capacityBuildingEventSchemas = {
  ProgrammeCreated: programmeCreatedV1,
  SessionScheduled: sessionScheduledV1,
  ParticipantRegistered: participantRegisteredV1,
  ParticipantEnrolled: participantEnrolledV1,
  ParticipantWaitlisted: participantWaitlistedV1,
  ParticipantWithdrawn: participantWithdrawnV1,
  ParticipantPromotedFromWaitlist: participantPromotedFromWaitlistV1,
  AttendanceRecorded: attendanceRecordedV1,
  EvaluationRecorded: evaluationRecordedV1,
  SessionClosed: sessionClosedV1,
  CertificateIssued: certificateIssuedV1,
} as const satisfies Record<CapacityBuildingIntegrationEvent['type'], z.ZodType>;

export const CapacityBuildingContracts: ContractDefinition[] = Object.entries(capacityBuildingEventSchemas).map(([type, schema]) => ({
  type,
  latestVersion: 1,
  schemas: { 1: schema },
}));
