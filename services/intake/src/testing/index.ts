import type { RegisterBeneficiaryBody } from '../register-beneficiary/register-beneficiary.dto';

/**
 * A valid `POST /beneficiaries` body, for specs and benchmarks that drive intake over HTTP.
 * Override what a test is about; the rest stays valid.
 */
export type RegistrationBody = RegisterBeneficiaryBody;

export const aRegistrationBody = (overrides: Partial<RegistrationBody> = {}): RegistrationBody => ({
  cellId: 'oujda',
  category: 'mre',
  sex: 'female',
  birthYear: 1988,
  nationality: 'MA',
  consent: { services: true, sharing: false, statistics: true },
  person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
  ...overrides,
});

/** What bench:scale needs to seed a store with registrations exactly as intake writes them, through the event store port. */
export { BeneficiaryCodec } from '../beneficiary.codec';
export { PersonalDataVault, loadMasterKey, loadMasterKeyring, MasterKeyring } from '@oriental/personal-data';
