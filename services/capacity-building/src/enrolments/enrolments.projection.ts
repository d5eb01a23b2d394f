import { StoredEvent } from '@oriental/contracts';
import { decodeSessionEvent, SESSION_CATEGORY } from '@oriental/capacity-building-domain';
import { DocumentCollection, DocumentProjection, ReadStore, SourcedEvent } from '@oriental/read-store';

/**
 * Every enrolment of every participant, one document per session and participant, for the two
 * reads a session stream cannot answer alone: a participant's enrolments across sessions
 * (`GET /participants/{id}`) and a certificate by its code (`GET /certificates/{code}`). Kept from
 * the service's own `session-` streams by a follower of the log (`enrolments.follower.ts`), not
 * from the bus: the published language leaves certificate codes out.
 */
export type EnrolmentStatus = 'enrolled' | 'waitlisted' | 'withdrawn' | 'completed' | 'not_completed';

export interface Enrolment {
  sessionId: string;
  participantId: string;
  /** Where they stand: holding a place, in line, withdrawn; once the session closed, completed or not. */
  status: EnrolmentStatus;
  certificateCode?: string;
  issuedAt?: string;
}

/** What one stored session event changes of one enrolment. */
export interface EnrolmentChange extends SourcedEvent {
  sessionId: string;
  participantId: string;
  status: EnrolmentStatus;
  certificate?: { code: string; issuedAt: string };
}

export const ENROLMENTS = 'capacity_enrolments';

export const enrolmentsCollection = (readStore: ReadStore): DocumentCollection<Enrolment> =>
  readStore.collection<Enrolment>(ENROLMENTS, { indexes: ['participantId', 'certificateCode'] });

export const enrolmentStreamPrefixes = [`${SESSION_CATEGORY}-`];

/** The enrolments a stored session event changes (a closing changes every one enrolled then). */
export const enrolmentChangesOf = (stored: StoredEvent): EnrolmentChange[] => {
  const event = decodeSessionEvent(stored);
  const source = { stream: stored.stream, revision: stored.revision, position: stored.position };
  const change = (participantId: string, status: EnrolmentStatus, certificate?: EnrolmentChange['certificate']): EnrolmentChange => ({
    source,
    sessionId: event.data.sessionId,
    participantId,
    status,
    ...(certificate ? { certificate } : {}),
  });
  switch (event.type) {
    case 'ParticipantEnrolled':
    case 'ParticipantPromotedFromWaitlist':
      return [change(event.data.participantId, 'enrolled')];
    case 'ParticipantWaitlisted':
      return [change(event.data.participantId, 'waitlisted')];
    case 'ParticipantWithdrawn':
      return [change(event.data.participantId, 'withdrawn')];
    case 'SessionClosed':
      return event.data.results.map((result) => change(result.participantId, result.completed ? 'completed' : 'not_completed'));
    case 'CertificateIssued':
      return [change(event.data.participantId, 'completed', { code: event.data.code, issuedAt: event.data.issuedAt })];
    default:
      return [];
  }
};

export const enrolmentId = (sessionId: string, participantId: string): string => `${sessionId}:${participantId}`;

export const enrolmentsProjection = (documents: DocumentCollection<Enrolment>): DocumentProjection<EnrolmentChange, Enrolment> => ({
  documents,
  documentId: (change) => enrolmentId(change.sessionId, change.participantId),
  evolve: (current, change) => ({
    ...current,
    sessionId: change.sessionId,
    participantId: change.participantId,
    status: change.status,
    ...(change.certificate ? { certificateCode: change.certificate.code, issuedAt: change.certificate.issuedAt } : {}),
  }),
});

/** A participant's enrolments, session by session. */
export const enrolmentsOf = async (documents: DocumentCollection<Enrolment>, participantId: string): Promise<Enrolment[]> =>
  (await documents.find({ participantId }, { limit: 1000 })).map((document) => document.data);

/** The enrolment that earned the certificate of this code, if any. */
export const enrolmentCertifiedBy = async (documents: DocumentCollection<Enrolment>, code: string): Promise<Enrolment | undefined> =>
  (await documents.find({ certificateCode: code }, { limit: 1 }))[0]?.data;
