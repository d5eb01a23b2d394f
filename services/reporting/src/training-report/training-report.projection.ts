import { ActorType, CapacityBuildingIntegrationEvent, IntegrationEvent, publishCapacityBuildingEvent, Sex } from '@oriental/contracts';
import { DocumentCollection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';
import { applyDatedBatch, BucketCounts, countsOf, DatedCount, DatedCountsProjection, dayOf, Period, PlacedCounts } from '../indicators/dated-counts';
import { cellPlace, figureKey, NO_CATEGORY, provincePlace } from '../indicators/figures';

/** A participant's place in one session, as the report counts it. */
interface TrainingEnrolment {
  /** The cell that holds the session (the envelope's `cellId`); absent for a session held for a whole province. */
  cellId?: string;
  status: 'enrolled' | 'waitlisted' | 'withdrawn';
  /** The day (UTC) they got a place (enrolled, or promoted from the waiting list): trainees count on it. */
  placedOn?: string;
  pre?: number;
  post?: number;
  /** The day their certificate was issued: completion. */
  certifiedOn?: string;
}

/**
 * A participant (cell officer, elected official, civil-society member…): who they are, from their
 * `participant-<id>` stream, and their places in sessions, from each `session-<id>` stream. Each
 * stream's events arrive in order; the two kinds may arrive in any order between them (they are
 * keyed by stream), so each fills its own fields.
 */
interface TrainingParticipant {
  kind: 'participant';
  participantId: string;
  actorType?: ActorType;
  sex?: Sex;
  /** Their commune's province (reference data). */
  province?: string;
  enrolments: Record<string, TrainingEnrolment>;
}

/** A session, for the completion rate: where it is held, and what its closing counted. */
interface TrainingSession {
  kind: 'session';
  sessionId: string;
  cellId?: string;
  province?: string;
  closed?: { on: string; enrolled: number; completed: number };
}

export type TrainingDocument = TrainingParticipant | TrainingSession;

export const TRAINING_REPORT_DOCUMENTS = 'reporting_training_documents';
const TRAINING_REPORT_COUNTS = 'reporting_training_dated_counts';
const TRAINING_REPORT_PROJECTION = 'training-report';

type Followed = Extract<
  CapacityBuildingIntegrationEvent,
  {
    type:
      | 'ParticipantRegistered'
      | 'ParticipantEnrolled'
      | 'ParticipantWaitlisted'
      | 'ParticipantWithdrawn'
      | 'ParticipantPromotedFromWaitlist'
      | 'EvaluationRecorded'
      | 'CertificateIssued'
      | 'SessionScheduled'
      | 'SessionClosed';
  }
>;
const OF_PARTICIPANTS = new Set<string>([
  'ParticipantRegistered',
  'ParticipantEnrolled',
  'ParticipantWaitlisted',
  'ParticipantWithdrawn',
  'ParticipantPromotedFromWaitlist',
  'EvaluationRecorded',
  'CertificateIssued',
] satisfies Followed['type'][]);
const OF_SESSIONS = new Set<string>(['SessionScheduled', 'SessionClosed'] satisfies Followed['type'][]);

/** Score gains are summed in hundredths of a point, so that sums stay whole. */
export const GAIN_SCALE = 100;

/**
 * Measures (docs/indicators.md), counted under no category, every participant public:
 * - a participant's place in a session, on the day they got it, while they hold it: `trained`,
 *   `trained.actorType:<type>`, `trained.sex:<sex>`; a certificate, on the day it was issued:
 *   `completed` and the same cuts; both evaluations: `scoreGain.n`, and `scoreGain.sum` (the gain
 *   in hundredths of a point) on the day of the place. At the session's cell, or for a session
 *   held for a province at the participant's own province (`unknown` until known);
 * - a session's closing, on its day, at its cell or province: `sessions.closed`,
 *   `sessions.enrolled` and `sessions.completed` (its own figures).
 */
const countAs = (document: TrainingDocument): DatedCount[] => {
  const who = (measure: string) => figureKey(NO_CATEGORY, true, measure);
  if (document.kind === 'session') {
    const { closed } = document;
    if (!closed) return [];
    const place = document.cellId !== undefined ? cellPlace(document.cellId) : provincePlace(document.province ?? 'unknown');
    return [
      { day: closed.on, place, key: who('sessions.closed') },
      { day: closed.on, place, key: who('sessions.enrolled'), n: closed.enrolled },
      { day: closed.on, place, key: who('sessions.completed'), n: closed.completed },
    ].filter(({ n }) => n !== 0);
  }
  const person = (measure: string) => [measure, `${measure}.actorType:${document.actorType ?? 'unknown'}`, `${measure}.sex:${document.sex ?? 'unknown'}`];
  const counts: DatedCount[] = [];
  for (const enrolment of Object.values(document.enrolments)) {
    const place = enrolment.cellId !== undefined ? cellPlace(enrolment.cellId) : provincePlace(document.province ?? 'unknown');
    if (enrolment.status === 'enrolled' && enrolment.placedOn !== undefined) {
      counts.push(...person('trained').map((measure) => ({ day: enrolment.placedOn!, place, key: who(measure) })));
      if (enrolment.pre !== undefined && enrolment.post !== undefined) {
        counts.push({ day: enrolment.placedOn, place, key: who('scoreGain.n') });
        const gain = Math.round((enrolment.post - enrolment.pre) * GAIN_SCALE);
        if (gain !== 0) counts.push({ day: enrolment.placedOn, place, key: who('scoreGain.sum'), n: gain });
      }
    }
    if (enrolment.certifiedOn !== undefined) counts.push(...person('completed').map((measure) => ({ day: enrolment.certifiedOn!, place, key: who(measure) })));
  }
  return counts;
};

/**
 * The training report's read model, fed by capacity building's topic: one document per
 * participant (their attributes and places) and one per session (its closing), counted by day,
 * month and all time.
 */
export class TrainingReportProjection implements ReadModel, DatedCountsProjection<IntegrationEvent, TrainingDocument> {
  readonly name = TRAINING_REPORT_PROJECTION;
  readonly streamPrefixes = ['participant-', 'session-'];
  readonly documents: DocumentCollection<TrainingDocument>;
  readonly counters: { collection: DocumentCollection<BucketCounts>; countAs: typeof countAs };
  readonly toIntegrationEvent = fromPublishedLanguage(publishCapacityBuildingEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<TrainingDocument>(TRAINING_REPORT_DOCUMENTS);
    this.counters = { collection: readStore.collection<BucketCounts>(TRAINING_REPORT_COUNTS), countAs };
  }

  get collections() {
    return [this.documents, this.counters.collection];
  }

  documentId(event: IntegrationEvent): string | undefined {
    if (OF_PARTICIPANTS.has(event.type)) return `participant:${(event.data as { participantId: string }).participantId}`;
    if (OF_SESSIONS.has(event.type)) return `session:${(event.data as { sessionId: string }).sessionId}`;
    return undefined;
  }

  evolve(current: TrainingDocument | null, integrationEvent: IntegrationEvent): TrainingDocument {
    const event = integrationEvent as Followed;
    if (event.type === 'SessionScheduled' || event.type === 'SessionClosed') {
      const session: TrainingSession = current?.kind === 'session' ? current : { kind: 'session', sessionId: event.data.sessionId };
      if (event.type === 'SessionScheduled') return { ...session, ...(event.data.cellId !== undefined ? { cellId: event.data.cellId } : {}), province: event.data.province };
      return { ...session, closed: { on: dayOf(event.data.closedAt), enrolled: event.data.enrolled, completed: event.data.completed } };
    }
    const participant: TrainingParticipant = current?.kind === 'participant' ? current : { kind: 'participant', participantId: event.data.participantId, enrolments: {} };
    if (event.type === 'ParticipantRegistered') return { ...participant, actorType: event.data.actorType, sex: event.data.sex, province: event.data.province };
    const { sessionId } = event.data;
    const enrolment: TrainingEnrolment = participant.enrolments[sessionId] ?? { ...(integrationEvent.cellId !== undefined ? { cellId: integrationEvent.cellId } : {}), status: 'waitlisted' };
    const place = (next: TrainingEnrolment): TrainingParticipant => ({ ...participant, enrolments: { ...participant.enrolments, [sessionId]: next } });
    switch (event.type) {
      case 'ParticipantEnrolled':
        return place({ ...enrolment, status: 'enrolled', placedOn: dayOf(event.data.enrolledAt) });
      case 'ParticipantPromotedFromWaitlist':
        return place({ ...enrolment, status: 'enrolled', placedOn: dayOf(event.data.promotedAt) });
      case 'ParticipantWaitlisted':
        return place({ ...enrolment, status: 'waitlisted' });
      case 'ParticipantWithdrawn':
        return place({ ...enrolment, status: 'withdrawn' });
      case 'EvaluationRecorded':
        return place({ ...enrolment, [event.data.phase]: event.data.score });
      case 'CertificateIssued':
        return place({ ...enrolment, certifiedOn: dayOf(event.data.issuedAt) });
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  /** Applies a batch of one lane's capacity-building integration events; other types are not its business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyDatedBatch(this.readStore, this, lane, events);
  }

  counts(period: Period = {}): Promise<PlacedCounts> {
    return countsOf(this.counters.collection, period);
  }
}
