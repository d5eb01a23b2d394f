import { BeneficiaryCategory, Consent, Sex } from '@oriental/contracts';
import { Decider, DomainCommand, IllegalState, RuleViolation } from '@oriental/domain-kit';
import { Beneficiary, BeneficiaryEvent, evolve, initialState, PersonalData } from './beneficiary';

export type RegisterBeneficiary = DomainCommand<
  'RegisterBeneficiary',
  {
    beneficiaryId: string;
    cellId: string;
    category: BeneficiaryCategory;
    sex: Sex;
    birthYear: number;
    nationality: string;
    consent: Consent;
    person: PersonalData;
    /** The clock reading, given by the caller so that decide stays deterministic. */
    now: Date;
  }
>;

export type BeneficiaryCommand = RegisterBeneficiary;

/** Oldest birth year accepted: older entries are typing mistakes, not people. */
const OLDEST_BIRTH_YEAR = 1900;

export const decide = (command: BeneficiaryCommand, state: Beneficiary): BeneficiaryEvent[] => {
  switch (command.type) {
    case 'RegisterBeneficiary': {
      const { now, ...registration } = command.data;
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
      return [{ type: 'BeneficiaryRegistered', data: { ...registration, registeredAt: now.toISOString() } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

export const beneficiaryDecider: Decider<BeneficiaryCommand, BeneficiaryEvent, Beneficiary> = { decide, evolve, initialState };
