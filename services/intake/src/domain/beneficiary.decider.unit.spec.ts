import { specFor } from '@oriental/domain-kit';
import { BeneficiaryEvent } from './beneficiary';
import { beneficiaryDecider, RegisterBeneficiary } from './beneficiary.decider';

const given = specFor(beneficiaryDecider);
const now = new Date('2026-07-15T09:30:00.000Z');

const registerBeneficiary = (overrides: Partial<RegisterBeneficiary['data']> = {}): RegisterBeneficiary => ({
  type: 'RegisterBeneficiary',
  data: {
    beneficiaryId: '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01',
    cellId: 'oujda',
    category: 'mre',
    sex: 'female',
    birthYear: 1988,
    nationality: 'MA',
    consent: { services: true, sharing: false, statistics: true },
    person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
    now,
    ...overrides,
  },
});

/** The event a registration command leads to: its data, stamped with the command's clock. */
const beneficiaryRegistered = (overrides: Partial<RegisterBeneficiary['data']> = {}): BeneficiaryEvent => {
  const { now: registeredAt, ...registration } = registerBeneficiary(overrides).data;
  return { type: 'BeneficiaryRegistered', data: { ...registration, registeredAt: registeredAt.toISOString() } };
};

describe('Beneficiary', () => {
  describe('when a cell registers a new beneficiary', () => {
    it('records the registration at the time given by the command', () =>
      given([]).when(registerBeneficiary()).then([beneficiaryRegistered()]));

    it('records an RPT with another nationality the same way', () =>
      given([])
        .when(registerBeneficiary({ category: 'rpt', nationality: 'SN', sex: 'male' }))
        .then([beneficiaryRegistered({ category: 'rpt', nationality: 'SN', sex: 'male' })]));
  });

  describe('when the beneficiary is already registered', () => {
    it('refuses a second registration', () =>
      given([beneficiaryRegistered()]).when(registerBeneficiary()).thenFails('BENEFICIARY_ALREADY_REGISTERED'));
  });

  describe('when the birth year is impossible', () => {
    it('refuses a year after the registration date', () =>
      given([]).when(registerBeneficiary({ birthYear: 2027 })).thenFails('BIRTH_YEAR_OUT_OF_RANGE'));
    it('refuses a year before 1900', () =>
      given([]).when(registerBeneficiary({ birthYear: 1899 })).thenFails('BIRTH_YEAR_OUT_OF_RANGE'));
  });

  describe('when the person does not consent to services', () => {
    it('refuses to register them', () =>
      given([])
        .when(registerBeneficiary({ consent: { services: false, sharing: false, statistics: false } }))
        .thenFails('CONSENT_TO_SERVICES_REQUIRED'));
  });
});
