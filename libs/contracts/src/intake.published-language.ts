import { StoredEvent } from './envelope';
import { ageBandOf, BeneficiaryRegisteredV1, beneficiaryRegisteredV1, BeneficiaryCategory, Consent, Sex } from './intake.events';

/**
 * Intake's published language: how a stored intake event becomes what other contexts may see.
 * It lives in contracts, not in the intake service, because two readers need it: intake's
 * forwarder (live, to the bus) and any projection rebuilt from the event store (replay),
 * which must see exactly what the bus carried.
 *
 * It reads only the public fields of the stored event; personal data (sealed `person`,
 * birth year) never comes out: the age band does.
 */
interface StoredRegistrationV1 {
  beneficiaryId: string;
  cellId: string;
  category: BeneficiaryCategory;
  sex: Sex;
  birthYear: number;
  nationality: string;
  consent: Consent;
  registeredAt: string;
}

export type IntakePublished = { type: 'BeneficiaryRegistered'; schemaVersion: 1; data: BeneficiaryRegisteredV1 };

export const publishIntakeEvent = (event: StoredEvent): IntakePublished | null => {
  switch (event.type) {
    case 'BeneficiaryRegistered': {
      const stored = event.data as StoredRegistrationV1;
      const data = beneficiaryRegisteredV1.parse({
        beneficiaryId: stored.beneficiaryId,
        cellId: stored.cellId,
        category: stored.category,
        sex: stored.sex,
        ageBand: ageBandOf(stored.birthYear, new Date(stored.registeredAt).getUTCFullYear()),
        nationality: stored.nationality,
        consent: { services: stored.consent.services, sharing: stored.consent.sharing, statistics: stored.consent.statistics },
        registeredAt: stored.registeredAt,
      });
      return { type: 'BeneficiaryRegistered', schemaVersion: 1, data };
    }
    default:
      return null;
  }
};
