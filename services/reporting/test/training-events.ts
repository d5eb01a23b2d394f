import { randomUUID } from 'node:crypto';
import { ActorType, NewEvent, Sex } from '@oriental/contracts';
import { CapacityBuildingEvent, encodeCapacityBuildingEvent } from '@oriental/capacity-building-domain';
import type { EventStore } from '@oriental/event-store';

/**
 * Training, built as capacity building stores it: its domain events, encoded by its own
 * stored-event function (names sealed by a stand-in for the vault), appended in the order they
 * are built, each session event recorded at the session's cell (the envelope's `cellId`) when it
 * has one, as its codec does.
 */
export const aTraining = () => {
  const steps: { stream: string; cellId?: string; event: CapacityBuildingEvent; at: string }[] = [];
  const seal = async () => ({ alg: 'A256GCM' as const, kid: 'participant', iv: 'aXY=', tag: 'dGFn', ciphertext: 'c2VhbGVk' });
  const programmeId = randomUUID();
  const trainer = 'trainer:1';

  const builder = {
    /** A participant; answers their id through `then`. */
    participant(at: string, attributes: { actorType: ActorType; sex: Sex; province: string; commune?: string }, then: (participantId: string) => void) {
      const participantId = randomUUID();
      steps.push({
        stream: `participant-${participantId}`,
        at,
        event: {
          type: 'ParticipantRegistered',
          data: {
            participantId,
            organisation: 'Commune',
            commune: attributes.commune ?? attributes.province,
            names: { firstName: 'Samira', lastName: 'Benali' },
            registeredAt: at,
            by: trainer,
            ...attributes,
          },
        },
      });
      then(participantId);
      return builder;
    },
    /** A session at a cell (or, with `cellId` null, for `province` as a whole), and what happens in it. */
    session(at: string, place: { cellId: string | null; province: string }, run: (session: ReturnType<typeof sessionSteps>) => void) {
      const sessionId = randomUUID();
      const cellId = place.cellId ?? undefined;
      const add = (when: string, event: CapacityBuildingEvent) => steps.push({ stream: `session-${sessionId}`, ...(cellId ? { cellId } : {}), at: when, event });
      add(at, {
        type: 'SessionScheduled',
        data: {
          sessionId,
          programmeId,
          ...(cellId ? { cellId } : {}),
          province: place.province,
          startDate: at.slice(0, 10),
          endDate: at.slice(0, 10),
          capacity: 20,
          modality: 'in_person',
          scheduledAt: at,
          trainer: 'Samira Benali',
          minAttendance: 0.8,
          by: trainer,
        },
      });
      run(sessionSteps(sessionId, programmeId, add));
      return builder;
    },
    async appendTo(store: Pick<EventStore, 'appendToStream'>) {
      for (const { stream, cellId, event, at } of steps) {
        const stored = await encodeCapacityBuildingEvent(event, seal);
        const appended: NewEvent = { id: randomUUID(), ...stored, metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: trainer, occurredAt: at, ...(cellId ? { cellId } : {}) } };
        await store.appendToStream(stream, [appended], { expectedRevision: 'any' });
      }
      return builder;
    },
  };
  return builder;
};

const sessionSteps = (sessionId: string, programmeId: string, add: (at: string, event: CapacityBuildingEvent) => void) => {
  const by = 'trainer:1';
  const steps = {
    enrolled(at: string, participantId: string) {
      add(at, { type: 'ParticipantEnrolled', data: { sessionId, participantId, enrolledAt: at, by } });
      return steps;
    },
    waitlisted(at: string, participantId: string, position = 1) {
      add(at, { type: 'ParticipantWaitlisted', data: { sessionId, participantId, position, waitlistedAt: at, by } });
      return steps;
    },
    withdrawn(at: string, participantId: string, from: 'enrolled' | 'waitlisted' = 'enrolled') {
      add(at, { type: 'ParticipantWithdrawn', data: { sessionId, participantId, from, withdrawnAt: at, by } });
      return steps;
    },
    promoted(at: string, participantId: string) {
      add(at, { type: 'ParticipantPromotedFromWaitlist', data: { sessionId, participantId, promotedAt: at, by } });
      return steps;
    },
    evaluated(at: string, participantId: string, phase: 'pre' | 'post', score: number) {
      add(at, { type: 'EvaluationRecorded', data: { sessionId, participantId, phase, score, recordedAt: at, by } });
      return steps;
    },
    /** Closes the session: `completed` get a certificate each. */
    closed(at: string, enrolled: string[], completed: string[]) {
      add(at, {
        type: 'SessionClosed',
        data: {
          sessionId,
          programmeId,
          enrolled: enrolled.length,
          completed: completed.length,
          closedAt: at,
          results: enrolled.map((participantId) => ({ participantId, attendanceRate: completed.includes(participantId) ? 1 : 0.5, completed: completed.includes(participantId) })),
          by,
        },
      });
      for (const participantId of completed) {
        add(at, { type: 'CertificateIssued', data: { sessionId, participantId, programmeId, attendanceRate: 1, issuedAt: at, code: 'CB-7K3M-Q9XA-2D4F', by } });
      }
      return steps;
    },
  };
  return steps;
};
