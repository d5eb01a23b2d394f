import { isSealed, SealedData, StoredEvent } from '@oriental/contracts';
import { ParticipantEvent } from './participant';
import { ProgrammeEvent } from './programme';
import { SessionEvent } from './session';

/**
 * How capacity building's domain events sit in the event store: as they are, schema version 1
 * each, except a participant's names, stored sealed (`SealedData`, by the vault) in place of the
 * plaintext. Pure, so that readers without the vault (a replay, a read model) fold the streams
 * with the same `evolve`, names left closed (null).
 */
export const CAPACITY_BUILDING_SCHEMA_VERSION = 1;

export type CapacityBuildingEvent = ProgrammeEvent | SessionEvent | ParticipantEvent;

const programmeTypes: ReadonlySet<string> = new Set<ProgrammeEvent['type']>(['ProgrammeCreated']);
const participantTypes: ReadonlySet<string> = new Set<ParticipantEvent['type']>(['ParticipantRegistered']);
const sessionTypes: ReadonlySet<string> = new Set<SessionEvent['type']>([
  'SessionScheduled',
  'ParticipantEnrolled',
  'ParticipantWaitlisted',
  'ParticipantWithdrawn',
  'ParticipantPromotedFromWaitlist',
  'AttendanceRecorded',
  'EvaluationRecorded',
  'SessionClosed',
  'CertificateIssued',
]);

type Stored = Pick<StoredEvent, 'type' | 'schemaVersion' | 'data'> & { stream?: string };

const checked = (stored: Stored, types: ReadonlySet<string>, what: string): void => {
  const where = stored.stream ? ` in ${stored.stream}` : '';
  if (!types.has(stored.type)) throw new Error(`Unknown ${what} event type ${stored.type}${where}`);
  if (stored.schemaVersion !== CAPACITY_BUILDING_SCHEMA_VERSION) throw new Error(`Unknown schema version ${stored.schemaVersion} of ${stored.type}${where}`);
};

/** A stored event of a `programme-<id>` stream as the domain event it records. */
export const decodeProgrammeEvent = (stored: Stored): ProgrammeEvent => {
  checked(stored, programmeTypes, 'programme');
  return { type: stored.type, data: stored.data } as ProgrammeEvent;
};

/** A stored event of a `session-<id>` stream as the domain event it records. */
export const decodeSessionEvent = (stored: Stored): SessionEvent => {
  checked(stored, sessionTypes, 'session');
  return { type: stored.type, data: stored.data } as SessionEvent;
};

/** The sealed names a stored participant event holds, if any: what a reader with the vault opens. */
export const sealedNamesOf = (stored: Stored): SealedData | undefined => {
  const names = (stored.data as { names?: unknown }).names;
  return stored.type === 'ParticipantRegistered' && isSealed(names) ? names : undefined;
};

/** A stored event of a `participant-<id>` stream with its names replaced by `opened` (null: not opened, or erased). */
export const decodeParticipantEvent = (stored: Stored, opened: unknown = null): ParticipantEvent => {
  checked(stored, participantTypes, 'participant');
  return { type: stored.type, data: { ...(stored.data as object), names: opened } } as ParticipantEvent;
};

/** What is stored for a domain event: a participant's names sealed by `seal` (the vault's), everything else as it is. */
export const encodeCapacityBuildingEvent = async (
  event: CapacityBuildingEvent,
  seal: (value: unknown) => Promise<SealedData>,
): Promise<{ type: string; schemaVersion: number; data: unknown }> => {
  if (event.type !== 'ParticipantRegistered' || event.data.names === null) return { type: event.type, schemaVersion: CAPACITY_BUILDING_SCHEMA_VERSION, data: event.data };
  return { type: event.type, schemaVersion: CAPACITY_BUILDING_SCHEMA_VERSION, data: { ...event.data, names: await seal(event.data.names) } };
};
