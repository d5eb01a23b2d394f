import { isSealed, SealedData, StoredEvent } from '@oriental/contracts';
import { BeneficiaryEvent, BeneficiaryEventType } from './beneficiary';

/**
 * How beneficiary events sit in the event store: their schema versions, the upcasters from
 * older stored versions, and which field of each holds personal data (sealed). Pure, so that
 * two readers share it: intake's codec, which seals and opens with the vault, and readers that
 * must fold intake's history WITHOUT ever opening personal data (`decodeWithoutPersonalData`,
 * e.g. reporting's state of a case as of a date).
 *
 * The stored data of an event is DERIVED from its domain data: the same fields, with the one
 * named by `SEALED_FIELD` replaced by its `SealedData` (absent when the event has none).
 */

/** A value sealed by the vault with the key of the beneficiary `kid` (one definition for every context: contracts). */
export type { SealedData };
export { isSealed };

/** The field of each event that is personal data, stored sealed; null when it has none. */
export const SEALED_FIELD = {
  BeneficiaryRegistered: 'person',
  BeneficiaryProfileRecorded: null,
  PersonalDataRecorded: 'person',
  ConsentGiven: null,
  ConsentWithdrawn: null,
  NeedsAssessed: null,
  NeedMet: null,
  FollowUpScheduled: 'note',
  FollowUpRecorded: 'note',
  TransferRequested: 'note',
  TransferAccepted: 'note',
  TransferDeclined: 'note',
  CaseClosed: 'note',
  CaseReopened: 'note',
  DuplicateLinked: null,
  DuplicateDismissed: null,
  PersonalDataErased: null,
} as const satisfies { [Type in BeneficiaryEventType]: keyof Extract<BeneficiaryEvent, { type: Type }>['data'] | null };

/**
 * The version each event type is stored at now. BeneficiaryRegistered v2 adds `profile` and the
 * longer personal data (address, documents, notes, inside the sealed `person`); v1 is what
 * intake stored before the casework existed.
 */
export const BENEFICIARY_EVENT_VERSIONS = {
  BeneficiaryRegistered: 2,
  BeneficiaryProfileRecorded: 1,
  PersonalDataRecorded: 1,
  ConsentGiven: 1,
  ConsentWithdrawn: 1,
  NeedsAssessed: 1,
  NeedMet: 1,
  FollowUpScheduled: 1,
  FollowUpRecorded: 1,
  TransferRequested: 1,
  TransferAccepted: 1,
  TransferDeclined: 1,
  CaseClosed: 1,
  CaseReopened: 1,
  DuplicateLinked: 1,
  DuplicateDismissed: 1,
  PersonalDataErased: 1,
} as const satisfies Record<BeneficiaryEventType, number>;

type StoredData = Record<string, unknown>;

/** upcasters[type][v] turns the stored data of version v into version v + 1. */
const UPCASTERS: Partial<Record<BeneficiaryEventType, Record<number, (data: StoredData) => StoredData>>> = {
  // v1 registrations said nothing of the profile; their sealed person is a v2 person with fewer fields.
  BeneficiaryRegistered: { 1: (data) => ({ ...data, profile: {} }) },
};

const isBeneficiaryEventType = (type: string): type is BeneficiaryEventType => Object.hasOwn(BENEFICIARY_EVENT_VERSIONS, type);

/** The stored form of a domain event, its personal field sealed by `seal` (the vault's). */
export const toStored = async (
  event: BeneficiaryEvent,
  seal: (value: unknown) => Promise<SealedData>,
): Promise<{ type: BeneficiaryEventType; schemaVersion: number; data: StoredData }> => {
  const field = SEALED_FIELD[event.type];
  const data = event.data as unknown as StoredData;
  const personal = field === null ? undefined : data[field];
  return {
    type: event.type,
    schemaVersion: BENEFICIARY_EVENT_VERSIONS[event.type],
    data: field === null || personal === undefined || personal === null ? data : { ...data, [field]: await seal(personal) },
  };
};

/** The sealed personal data a stored event holds, if any: what a reader with the vault opens. */
export const sealedDataOf = (stored: StoredEvent): SealedData | undefined => {
  if (!isBeneficiaryEventType(stored.type)) return undefined;
  const field = SEALED_FIELD[stored.type];
  const value = field === null ? undefined : (stored.data as StoredData)[field];
  return isSealed(value) ? value : undefined;
};

/**
 * A stored beneficiary event as the domain event of today's version, with its personal field
 * replaced by `opened`: the plaintext of `sealedDataOf(stored)`, or null when it was not opened.
 */
export const fromStored = (stored: StoredEvent, opened: unknown): BeneficiaryEvent => {
  if (!isBeneficiaryEventType(stored.type)) throw new Error(`Unknown event type ${stored.type} in ${stored.stream}`);
  const type = stored.type;
  const latest = BENEFICIARY_EVENT_VERSIONS[type];
  if (stored.schemaVersion > latest) throw new Error(`${type} v${stored.schemaVersion} in ${stored.stream} is newer than this reader (v${latest})`);
  let data = stored.data as StoredData;
  for (let version = stored.schemaVersion; version < latest; version++) {
    const upcast = UPCASTERS[type]?.[version];
    if (!upcast) throw new Error(`No upcaster for ${type} from v${version}`);
    data = upcast(data);
  }
  const field = SEALED_FIELD[type];
  if (field !== null && data[field] !== undefined) data = { ...data, [field]: opened };
  return { type, data } as unknown as BeneficiaryEvent;
};

/**
 * A stored beneficiary event as a domain event WITHOUT opening personal data: every personal
 * field (person, notes) is null. For readers that fold intake's history with `evolve` but must
 * never see who the person is (e.g. reporting's state of a case as of a date). No vault, no I/O.
 */
export const decodeWithoutPersonalData = (stored: StoredEvent): BeneficiaryEvent => fromStored(stored, null);
