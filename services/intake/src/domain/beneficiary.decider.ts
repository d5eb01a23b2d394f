import {
  BeneficiaryCategory,
  BeneficiaryProfile,
  CaseClosedV1,
  ConsentPurpose,
  FollowUpRecordedV1,
  FollowUpScheduledV1,
  NeedMetV1,
  NeedsAssessedV1,
  TransferRequestedV1,
} from '@oriental/contracts';
import { Decider, DomainCommand, DomainError, IllegalState, RuleViolation } from '@oriental/domain-kit';
import { Beneficiary, BeneficiaryCase, BeneficiaryEvent, evolve, initialState, Registration } from './beneficiary';
import { ErasureReason, PersonalData } from './personal-data';

/**
 * Commands on a beneficiary's case. Each carries the clock reading (`now`), given by the caller
 * so that `decide` stays deterministic, and the ids it creates (follow-up, transfer), derived
 * by the caller from the request so that a retry creates nothing twice.
 */
type CaseCommand<Type extends string, Data> = DomainCommand<Type, Data & { beneficiaryId: string; now: Date }>;
type WithNote = { note?: string };

export type RegisterBeneficiary = DomainCommand<
  'RegisterBeneficiary',
  Omit<Registration, 'profile' | 'person' | 'registeredAt'> & { profile?: BeneficiaryProfile; person: PersonalData; now: Date }
>;
/** Records or corrects profile fields and/or personal data: the fields given replace theirs. */
export type RecordProfile = CaseCommand<'RecordProfile', { profile?: BeneficiaryProfile; person?: Partial<PersonalData> }>;
/** `actor`: who records the consent (it is kept with it). */
export type GiveConsent = CaseCommand<'GiveConsent', { purpose: ConsentPurpose; actor: string }>;
export type WithdrawConsent = CaseCommand<'WithdrawConsent', { purpose: ConsentPurpose; actor: string }>;
export type AssessNeeds = CaseCommand<'AssessNeeds', Pick<NeedsAssessedV1, 'needs'>>;
export type MarkNeedMet = CaseCommand<'MarkNeedMet', Pick<NeedMetV1, 'code'>>;
export type ScheduleFollowUp = CaseCommand<'ScheduleFollowUp', Pick<FollowUpScheduledV1, 'followUpId' | 'dueDate'> & WithNote>;
export type RecordFollowUpOutcome = CaseCommand<'RecordFollowUpOutcome', Pick<FollowUpRecordedV1, 'followUpId' | 'outcome'> & WithNote>;
export type RequestTransfer = CaseCommand<'RequestTransfer', Pick<TransferRequestedV1, 'transferId' | 'toCellId' | 'reason'> & WithNote>;
export type AcceptTransfer = CaseCommand<'AcceptTransfer', { transferId: string } & WithNote>;
export type DeclineTransfer = CaseCommand<'DeclineTransfer', { transferId: string } & WithNote>;
export type CloseCase = CaseCommand<'CloseCase', Pick<CaseClosedV1, 'reason'> & WithNote>;
export type ReopenCase = CaseCommand<'ReopenCase', WithNote>;
export type LinkDuplicate = CaseCommand<'LinkDuplicate', { otherBeneficiaryId: string }>;
export type DismissDuplicate = CaseCommand<'DismissDuplicate', { otherBeneficiaryId: string }>;
/** Erases the person's personal data (the caller then destroys their key): law 09-08's right to erasure. */
export type ErasePersonalData = CaseCommand<'ErasePersonalData', { reason: ErasureReason }>;

export type BeneficiaryCommand =
  | RegisterBeneficiary
  | RecordProfile
  | GiveConsent
  | WithdrawConsent
  | AssessNeeds
  | MarkNeedMet
  | ScheduleFollowUp
  | RecordFollowUpOutcome
  | RequestTransfer
  | AcceptTransfer
  | DeclineTransfer
  | CloseCase
  | ReopenCase
  | LinkDuplicate
  | DismissDuplicate
  | ErasePersonalData;

/** What the command names does not exist (HTTP 404). */
export class NotFoundInCase extends DomainError {
  constructor(code: string, message: string) {
    super(code, 'not_found', message);
    this.name = 'NotFoundInCase';
  }
}

/** Oldest birth year accepted: older entries are typing mistakes, not people. */
const OLDEST_BIRTH_YEAR = 1900;

/**
 * Which profile fields fit which category: an MRE has a country of residence and a visit
 * purpose, a returnee a return, an RPT a residence status in Morocco; anyone speaks languages.
 */
export const PROFILE_FIELDS: Record<BeneficiaryCategory, readonly (keyof BeneficiaryProfile)[]> = {
  mre: ['countryOfResidence', 'visitPurpose', 'languages'],
  returnee: ['returnDate', 'returnedFrom', 'returnKind', 'languages'],
  rpt: ['residenceStatus', 'arrivalYear', 'languages'],
};

/** The calendar day of an instant, UTC (YYYY-MM-DD): "today" for due dates. */
export const dayOf = (instant: Date): string => instant.toISOString().slice(0, 10);

/** The object without its undefined fields, so that what is absent stays absent in the event. */
const definedFields = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;

const withNote = (note: string | undefined): { note?: string } => (note === undefined ? {} : { note });

const checkProfile = (category: BeneficiaryCategory, profile: BeneficiaryProfile, now: Date): void => {
  const misfits = Object.keys(definedFields(profile)).filter((field) => !PROFILE_FIELDS[category].includes(field as keyof BeneficiaryProfile));
  if (misfits.length > 0) {
    throw new RuleViolation('PROFILE_FIELD_NOT_FOR_CATEGORY', `${misfits.join(', ')} ${misfits.length === 1 ? 'does' : 'do'} not apply to a beneficiary of category ${category}`);
  }
  if ((profile.returnDate !== undefined && profile.returnDate > dayOf(now)) || (profile.arrivalYear !== undefined && profile.arrivalYear > now.getUTCFullYear())) {
    throw new RuleViolation('PROFILE_DATE_IN_FUTURE', 'A return date or an arrival year cannot be in the future');
  }
};

const register = ({ now, profile = {}, ...registration }: RegisterBeneficiary['data'], state: Beneficiary): BeneficiaryEvent[] => {
  if (state.status !== 'unknown') {
    throw new IllegalState('BENEFICIARY_ALREADY_REGISTERED', `Beneficiary ${registration.beneficiaryId} is already registered`);
  }
  if (registration.birthYear > now.getUTCFullYear() || registration.birthYear < OLDEST_BIRTH_YEAR) {
    throw new RuleViolation('BIRTH_YEAR_OUT_OF_RANGE', `Birth year must be between ${OLDEST_BIRTH_YEAR} and ${now.getUTCFullYear()}`);
  }
  // Law 09-08: personal data is processed with the person's consent to the service.
  if (!registration.consent.services) {
    throw new RuleViolation('CONSENT_TO_SERVICES_REQUIRED', 'A beneficiary is registered only with their consent to receive services');
  }
  checkProfile(registration.category, profile, now);
  return [{ type: 'BeneficiaryRegistered', data: { ...registration, profile: definedFields(profile), registeredAt: now.toISOString() } }];
};

/**
 * Commands a closed case still takes: reopening (and closing, refused with its own code), and
 * the withdrawal of a consent or the erasure of personal data, which law 09-08 lets a person
 * ask for at any time, whatever their case (and retention ends mostly on closed cases).
 */
const TAKEN_WHILE_CLOSED = new Set<BeneficiaryCommand['type']>(['ReopenCase', 'CloseCase', 'WithdrawConsent', 'ErasePersonalData']);

/** Whether a command would record personal data (person fields or a note): refused once it was erased. */
const recordsPersonalData = (command: Exclude<BeneficiaryCommand, RegisterBeneficiary>): boolean => {
  if (command.type === 'RecordProfile') return Object.keys(definedFields(command.data.person ?? {})).length > 0;
  return 'note' in command.data && command.data.note !== undefined;
};

/** The case a command acts on: it must exist, and be open unless the command is one a closed case takes. */
const caseFor = (command: Exclude<BeneficiaryCommand, RegisterBeneficiary>, state: Beneficiary): BeneficiaryCase => {
  if (state.status === 'unknown') {
    throw new NotFoundInCase('BENEFICIARY_NOT_FOUND', `Beneficiary ${command.data.beneficiaryId} does not exist`);
  }
  if (state.status === 'closed' && !TAKEN_WHILE_CLOSED.has(command.type)) {
    throw new RuleViolation('CASE_CLOSED', 'The case is closed: reopen it first');
  }
  return state;
};

export const decide = (command: BeneficiaryCommand, state: Beneficiary): BeneficiaryEvent[] => {
  if (command.type === 'RegisterBeneficiary') return register(command.data, state);
  const current = caseFor(command, state);
  const { beneficiaryId } = current;
  const at = command.data.now.toISOString();
  if (current.erasure && recordsPersonalData(command)) {
    throw new RuleViolation('PERSONAL_DATA_ERASED', `The personal data of beneficiary ${beneficiaryId} was erased: no personal data or note is recorded for them any more`);
  }

  switch (command.type) {
    case 'RecordProfile': {
      const profile = definedFields(command.data.profile ?? {});
      const person = definedFields(command.data.person ?? {});
      checkProfile(current.category, profile, command.data.now);
      return [
        ...(Object.keys(profile).length > 0 ? [{ type: 'BeneficiaryProfileRecorded' as const, data: { beneficiaryId, profile, recordedAt: at } }] : []),
        ...(Object.keys(person).length > 0 ? [{ type: 'PersonalDataRecorded' as const, data: { beneficiaryId, person, recordedAt: at } }] : []),
      ];
    }
    case 'GiveConsent':
    case 'WithdrawConsent': {
      const { purpose, actor } = command.data;
      const given = command.type === 'GiveConsent';
      // Giving a consent already given (or withdrawing one withdrawn) changes nothing.
      if (current.consent[purpose] === given) return [];
      return [{ type: given ? 'ConsentGiven' : 'ConsentWithdrawn', data: { beneficiaryId, purpose, at, actor } }];
    }
    case 'AssessNeeds': {
      const assessed = new Map(command.data.needs.map((need) => [need.code, need.priority]));
      // A new need, a met need that is back, or an open need whose priority changed.
      const changed = [...assessed].filter(([code, priority]) => {
        const known = current.needs[code];
        return !known || known.status === 'met' || known.priority !== priority;
      });
      if (changed.length === 0) return [];
      return [{ type: 'NeedsAssessed', data: { beneficiaryId, needs: changed.map(([code, priority]) => ({ code, priority })), assessedAt: at } }];
    }
    case 'MarkNeedMet': {
      const need = current.needs[command.data.code];
      if (!need) throw new RuleViolation('NEED_NOT_ASSESSED', `Need ${command.data.code} was not assessed for this beneficiary`);
      if (need.status === 'met') throw new RuleViolation('NEED_ALREADY_MET', `Need ${command.data.code} is already met`);
      return [{ type: 'NeedMet', data: { beneficiaryId, code: need.code, metAt: at } }];
    }
    case 'ScheduleFollowUp': {
      const { followUpId, dueDate, note } = command.data;
      if (current.followUps[followUpId]) throw new IllegalState('FOLLOW_UP_ALREADY_SCHEDULED', `Follow-up ${followUpId} is already scheduled`);
      if (dueDate < dayOf(command.data.now)) throw new RuleViolation('FOLLOW_UP_DUE_IN_PAST', `A follow-up cannot be due before today (${dayOf(command.data.now)})`);
      return [{ type: 'FollowUpScheduled', data: { beneficiaryId, followUpId, dueDate, ...withNote(note), scheduledAt: at } }];
    }
    case 'RecordFollowUpOutcome': {
      const { followUpId, outcome, note } = command.data;
      const followUp = current.followUps[followUpId];
      if (!followUp) throw new NotFoundInCase('FOLLOW_UP_NOT_FOUND', `Follow-up ${followUpId} does not exist`);
      if (followUp.outcome) throw new RuleViolation('FOLLOW_UP_ALREADY_RECORDED', `Follow-up ${followUpId} already has its outcome (${followUp.outcome})`);
      return [{ type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome, ...withNote(note), recordedAt: at } }];
    }
    case 'RequestTransfer': {
      const { transferId, toCellId, reason, note } = command.data;
      if (toCellId === current.cellId) throw new RuleViolation('TRANSFER_TO_SAME_CELL', `The case is already at ${toCellId}`);
      if (current.pendingTransfer) {
        throw new RuleViolation('TRANSFER_ALREADY_PENDING', `Transfer ${current.pendingTransfer.transferId} to ${current.pendingTransfer.toCellId} awaits an answer`);
      }
      return [{ type: 'TransferRequested', data: { beneficiaryId, transferId, fromCellId: current.cellId, toCellId, reason, ...withNote(note), requestedAt: at } }];
    }
    case 'AcceptTransfer':
    case 'DeclineTransfer': {
      const pending = current.pendingTransfer;
      if (!pending || pending.transferId !== command.data.transferId) {
        throw new RuleViolation('NO_PENDING_TRANSFER', `Transfer ${command.data.transferId} is not awaiting an answer`);
      }
      const transfer = { beneficiaryId, transferId: pending.transferId, fromCellId: current.cellId, toCellId: pending.toCellId, ...withNote(command.data.note) };
      return command.type === 'AcceptTransfer'
        ? [{ type: 'TransferAccepted', data: { ...transfer, acceptedAt: at } }]
        : [{ type: 'TransferDeclined', data: { ...transfer, declinedAt: at } }];
    }
    case 'CloseCase': {
      if (current.status === 'closed') throw new RuleViolation('CASE_ALREADY_CLOSED', 'The case is already closed');
      if (current.pendingTransfer) throw new RuleViolation('TRANSFER_PENDING', 'Accept or decline the pending transfer before closing the case');
      return [{ type: 'CaseClosed', data: { beneficiaryId, reason: command.data.reason, ...withNote(command.data.note), closedAt: at } }];
    }
    case 'ReopenCase': {
      if (current.status !== 'closed') throw new RuleViolation('CASE_NOT_CLOSED', 'Only a closed case can be reopened');
      return [{ type: 'CaseReopened', data: { beneficiaryId, ...withNote(command.data.note), reopenedAt: at } }];
    }
    case 'LinkDuplicate':
    case 'DismissDuplicate': {
      const { otherBeneficiaryId } = command.data;
      if (otherBeneficiaryId === beneficiaryId) throw new RuleViolation('DUPLICATE_OF_ITSELF', 'A beneficiary cannot be a duplicate of themselves');
      const decision = command.type === 'LinkDuplicate' ? 'linked' : 'dismissed';
      // The same decision again changes nothing; the other one replaces it.
      if (current.duplicates[otherBeneficiaryId] === decision) return [];
      const data = { beneficiaryId, otherBeneficiaryId, decidedAt: at };
      return [command.type === 'LinkDuplicate' ? { type: 'DuplicateLinked', data } : { type: 'DuplicateDismissed', data }];
    }
    case 'ErasePersonalData':
      // Erased already: nothing to append (the caller destroys the key again all the same).
      if (current.erasure) return [];
      return [{ type: 'PersonalDataErased', data: { beneficiaryId, reason: command.data.reason, erasedAt: at } }];
    default: {
      const unknown: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const beneficiaryDecider: Decider<BeneficiaryCommand, BeneficiaryEvent, Beneficiary> = { decide, evolve, initialState };
