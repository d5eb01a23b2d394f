import { BeneficiaryCategory, Consent, Sex } from '@oriental/contracts';
import { DomainEvent } from '@oriental/domain-kit';

/**
 * A beneficiary: a person a reception cell receives, guides, supports and refers. They are an
 * MRE (Moroccan residing abroad), a returnee (a Moroccan who came back to settle) or an RPT
 * (ressortissant d'un pays tiers: a foreign national living in the region). Their history in
 * intake is the stream `beneficiary-<id>`.
 */

/** Identity: personal data under law 09-08. Stored encrypted with a key per beneficiary. */
export interface PersonalData {
  firstName: string;
  lastName: string;
  phone?: string;
}

export interface Registration {
  beneficiaryId: string;
  /** The reception cell that registered them (reference data id, e.g. "oujda"). */
  cellId: string;
  category: BeneficiaryCategory;
  sex: Sex;
  birthYear: number;
  /** ISO 3166-1 alpha-2, e.g. "MA". */
  nationality: string;
  consent: Consent;
  /** null once erased (the key was destroyed). */
  person: PersonalData | null;
  registeredAt: string;
}

export type BeneficiaryRegistered = DomainEvent<'BeneficiaryRegistered', Registration>;

export type BeneficiaryEvent = BeneficiaryRegistered;

export type Beneficiary = { status: 'unknown' } | ({ status: 'registered' } & Registration);

export const initialState: Beneficiary = { status: 'unknown' };

export const evolve = (_state: Beneficiary, event: BeneficiaryEvent): Beneficiary => {
  switch (event.type) {
    case 'BeneficiaryRegistered':
      return { status: 'registered', ...event.data };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
};

export const BENEFICIARY_CATEGORY = 'beneficiary';

export const beneficiaryStream = (beneficiaryId: string): string => `${BENEFICIARY_CATEGORY}-${beneficiaryId}`;
