import {
  BeneficiaryCategory,
  BeneficiaryProfile,
  BeneficiaryProfileRecordedV1,
  CaseClosedV1,
  CaseReopenedV1,
  CloseReason,
  Consent,
  ConsentChangedV1,
  FollowUpOutcome,
  FollowUpRecordedV1,
  FollowUpScheduledV1,
  NeedMetV1,
  NeedPriority,
  NeedsAssessedV1,
  Sex,
  TransferAcceptedV1,
  TransferDeclinedV1,
  TransferReason,
  TransferRequestedV1,
} from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';
import { ErasureReason, PersonalData } from './personal-data';

/**
 * A beneficiary: a person a reception cell receives, guides, supports and refers. They are an
 * MRE (Moroccan residing abroad), a returnee (a Moroccan who came back to settle) or an RPT
 * (ressortissant d'un pays tiers: a foreign national living in the region). Their case in
 * intake (registration, consents, needs, follow-ups, transfers between cells, closure) is the
 * stream `beneficiary-<id>`.
 *
 * Event data is DERIVED from the published contracts (`@oriental/contracts`, intake.events.ts):
 * each domain event is its integration event plus what intake keeps to itself (notes, the
 * actor of a consent, the birth year). The published language drops those again.
 */

export type { PersonalData } from './personal-data';

/**
 * A sealed value this reader did not open: `null` in a decoded event means the value exists in
 * the store but its key was destroyed (erased) or it was decoded without the vault.
 */
type Opened<T> = T | null;

/** A free-text note, personal data (sealed in the store); absent when none was written. */
interface WithNote {
  note?: Opened<string>;
}

export interface Registration {
  beneficiaryId: string;
  /** The reception cell that has the case (reference data id, e.g. "oujda"). */
  cellId: string;
  category: BeneficiaryCategory;
  sex: Sex;
  birthYear: number;
  /** ISO 3166-1 alpha-2, e.g. "MA". */
  nationality: string;
  consent: Consent;
  /** The category's attributes, as far as the cell knows them (see `PROFILE_FIELDS`). */
  profile: BeneficiaryProfile;
  person: Opened<PersonalData>;
  /**
   * Who the person may already be, as the duplicate index answered when they were registered
   * (ids and scores; none of their data): kept with the registration, so that a retry answers
   * the same list and an auditor sees what the agent was shown. Absent: registered before the
   * index existed.
   */
  possibleDuplicates?: PossibleDuplicate[];
  registeredAt: string;
}

/** A beneficiary a registration may duplicate, and how strongly (1: same phone; 0.9, 0.8: same name, birth year equal or one apart). */
export interface PossibleDuplicate {
  beneficiaryId: string;
  score: number;
}

/** Which purposes' consent changes; `actor` is who recorded it (law 09-08 asks who and when). */
type ConsentChange = ConsentChangedV1 & { actor: string };

export type BeneficiaryRegistered = DomainEvent<'BeneficiaryRegistered', Registration>;
export type BeneficiaryProfileRecorded = DomainEvent<'BeneficiaryProfileRecorded', BeneficiaryProfileRecordedV1>;
/** Personal data recorded or corrected after registration: the fields given replace theirs. */
export type PersonalDataRecorded = DomainEvent<'PersonalDataRecorded', { beneficiaryId: string; person: Opened<Partial<PersonalData>>; recordedAt: string }>;
export type ConsentGiven = DomainEvent<'ConsentGiven', ConsentChange>;
export type ConsentWithdrawn = DomainEvent<'ConsentWithdrawn', ConsentChange>;
export type NeedsAssessed = DomainEvent<'NeedsAssessed', NeedsAssessedV1>;
export type NeedMet = DomainEvent<'NeedMet', NeedMetV1>;
export type FollowUpScheduled = DomainEvent<'FollowUpScheduled', FollowUpScheduledV1 & WithNote>;
export type FollowUpRecorded = DomainEvent<'FollowUpRecorded', FollowUpRecordedV1 & WithNote>;
export type TransferRequested = DomainEvent<'TransferRequested', TransferRequestedV1 & WithNote>;
export type TransferAccepted = DomainEvent<'TransferAccepted', TransferAcceptedV1 & WithNote>;
export type TransferDeclined = DomainEvent<'TransferDeclined', TransferDeclinedV1 & WithNote>;
export type CaseClosed = DomainEvent<'CaseClosed', CaseClosedV1 & WithNote>;
export type CaseReopened = DomainEvent<'CaseReopened', CaseReopenedV1 & WithNote>;
/**
 * A cell's decision on a possible duplicate (another beneficiary who may be the same person):
 * linked (the same person) or dismissed (not the same). Kept in intake only.
 */
interface DuplicateDecisionData {
  beneficiaryId: string;
  otherBeneficiaryId: string;
  decidedAt: string;
}
export type DuplicateLinked = DomainEvent<'DuplicateLinked', DuplicateDecisionData>;
export type DuplicateDismissed = DomainEvent<'DuplicateDismissed', DuplicateDecisionData>;
/**
 * The person's personal data was erased: their key is destroyed right after this event is
 * appended, so that every value sealed with it (person, notes) is unreadable everywhere. The
 * rest of the case (category, needs, referrals, indicators) stays. Kept in intake only.
 */
export type PersonalDataErased = DomainEvent<'PersonalDataErased', { beneficiaryId: string; reason: ErasureReason; erasedAt: string }>;

export type BeneficiaryEvent =
  | BeneficiaryRegistered
  | BeneficiaryProfileRecorded
  | PersonalDataRecorded
  | ConsentGiven
  | ConsentWithdrawn
  | NeedsAssessed
  | NeedMet
  | FollowUpScheduled
  | FollowUpRecorded
  | TransferRequested
  | TransferAccepted
  | TransferDeclined
  | CaseClosed
  | CaseReopened
  | DuplicateLinked
  | DuplicateDismissed
  | PersonalDataErased;

export type BeneficiaryEventType = BeneficiaryEvent['type'];

/** A need the cell assessed (code from the needs catalogue), open until it is met. */
export interface Need {
  code: string;
  priority: NeedPriority;
  status: 'open' | 'met';
  assessedAt: string;
  metAt?: string;
}

/** A follow-up: a date by which the cell checks on the beneficiary again, then its outcome. */
export interface FollowUp {
  followUpId: string;
  /** YYYY-MM-DD */
  dueDate: string;
  note?: Opened<string>;
  scheduledAt: string;
  outcome?: FollowUpOutcome;
  outcomeNote?: Opened<string>;
  recordedAt?: string;
}

/** A request that another cell takes the case over (the beneficiary moved, or needs its services). */
export interface PendingTransfer {
  transferId: string;
  toCellId: string;
  reason: TransferReason;
  note?: Opened<string>;
  requestedAt: string;
}

export interface Closure {
  reason: CloseReason;
  note?: Opened<string>;
  closedAt: string;
}

export type DuplicateDecision = 'linked' | 'dismissed';

export interface Erasure {
  reason: ErasureReason;
  erasedAt: string;
}

/** An open or closed case: the registration (with current consent and profile) and what followed. */
export interface BeneficiaryCase extends Registration {
  status: 'open' | 'closed';
  needs: Record<string, Need>;
  followUps: Record<string, FollowUp>;
  pendingTransfer: PendingTransfer | null;
  /** The last closure while the case is closed; null while it is open. */
  closure: Closure | null;
  /** Decisions on possible duplicates, by the other beneficiary's id. */
  duplicates: Record<string, DuplicateDecision>;
  /** Set once the person's personal data was erased: nothing personal is recorded for them again. */
  erasure: Erasure | null;
}

export type Beneficiary = { status: 'unknown' } | BeneficiaryCase;

export const initialState: Beneficiary = { status: 'unknown' };

const withNote = (note: Opened<string> | undefined): { note?: Opened<string> } => (note === undefined ? {} : { note });

/** A note that existed reads as null (its key is gone); an absent one stays absent. */
const erasedNote = <T extends { note?: Opened<string> }>(value: T): T => (value.note === undefined ? value : { ...value, note: null });

/** The case with every personal value (the person, every note) as a reader without the key sees it: null. */
const withoutPersonalData = (current: BeneficiaryCase): BeneficiaryCase => ({
  ...current,
  person: null,
  followUps: Object.fromEntries(
    Object.entries(current.followUps).map(([id, followUp]) => [
      id,
      { ...erasedNote(followUp), ...(followUp.outcomeNote === undefined ? {} : { outcomeNote: null }) },
    ]),
  ),
  pendingTransfer: current.pendingTransfer && erasedNote(current.pendingTransfer),
  closure: current.closure && erasedNote(current.closure),
});

/** Only a registration starts a case; any other event on an unknown beneficiary is a corrupt stream. */
const caseOf = (state: Beneficiary, event: BeneficiaryEvent): BeneficiaryCase => {
  if (state.status === 'unknown') throw new Error(`${event.type} before BeneficiaryRegistered`);
  return state;
};

export const evolve = (state: Beneficiary, event: BeneficiaryEvent): Beneficiary => {
  if (event.type === 'BeneficiaryRegistered') {
    return { status: 'open', ...event.data, needs: {}, followUps: {}, pendingTransfer: null, closure: null, duplicates: {}, erasure: null };
  }
  const current = caseOf(state, event);
  switch (event.type) {
    case 'BeneficiaryProfileRecorded':
      return { ...current, profile: { ...current.profile, ...event.data.profile } };
    case 'PersonalDataRecorded':
      // A correction read without the vault (null) leaves what is known as it was.
      return { ...current, person: current.person && event.data.person ? { ...current.person, ...event.data.person } : current.person };
    case 'ConsentGiven':
      return { ...current, consent: { ...current.consent, [event.data.purpose]: true } };
    case 'ConsentWithdrawn':
      return { ...current, consent: { ...current.consent, [event.data.purpose]: false } };
    case 'NeedsAssessed': {
      const needs = { ...current.needs };
      for (const { code, priority } of event.data.needs) needs[code] = { code, priority, status: 'open', assessedAt: event.data.assessedAt };
      return { ...current, needs };
    }
    case 'NeedMet': {
      const need = current.needs[event.data.code]!;
      return { ...current, needs: { ...current.needs, [need.code]: { ...need, status: 'met', metAt: event.data.metAt } } };
    }
    case 'FollowUpScheduled': {
      const { followUpId, dueDate, scheduledAt, note } = event.data;
      return { ...current, followUps: { ...current.followUps, [followUpId]: { followUpId, dueDate, ...withNote(note), scheduledAt } } };
    }
    case 'FollowUpRecorded': {
      const { followUpId, outcome, recordedAt, note } = event.data;
      const followUp = current.followUps[followUpId]!;
      const outcomeNote = note === undefined ? {} : { outcomeNote: note };
      return { ...current, followUps: { ...current.followUps, [followUpId]: { ...followUp, outcome, ...outcomeNote, recordedAt } } };
    }
    case 'TransferRequested': {
      const { transferId, toCellId, reason, requestedAt, note } = event.data;
      return { ...current, pendingTransfer: { transferId, toCellId, reason, ...withNote(note), requestedAt } };
    }
    case 'TransferAccepted':
      return { ...current, cellId: event.data.toCellId, pendingTransfer: null };
    case 'TransferDeclined':
      return { ...current, pendingTransfer: null };
    case 'CaseClosed':
      return { ...current, status: 'closed', closure: { reason: event.data.reason, ...withNote(event.data.note), closedAt: event.data.closedAt } };
    case 'CaseReopened':
      return { ...current, status: 'open', closure: null };
    case 'DuplicateLinked':
      return { ...current, duplicates: { ...current.duplicates, [event.data.otherBeneficiaryId]: 'linked' } };
    case 'DuplicateDismissed':
      return { ...current, duplicates: { ...current.duplicates, [event.data.otherBeneficiaryId]: 'dismissed' } };
    case 'PersonalDataErased':
      return { ...withoutPersonalData(current), erasure: { reason: event.data.reason, erasedAt: event.data.erasedAt } };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

export const BENEFICIARY_CATEGORY = 'beneficiary';

export const beneficiaryStream = (beneficiaryId: string): string => `${BENEFICIARY_CATEGORY}-${beneficiaryId}`;
