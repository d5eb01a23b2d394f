import { StoredEvent } from './envelope';
import { ageBandOf, BeneficiaryCategory, BeneficiaryProfile, Consent, IntakeContracts, IntakeIntegrationEvent, Sex } from './intake.events';

/**
 * Intake's published language: how a stored intake event becomes what other contexts may see.
 * It lives in contracts, not in the intake service, because two readers need it: intake's
 * forwarder (live, to the bus) and any projection rebuilt from the event store (replay),
 * which must see exactly what the bus carried.
 *
 * Every event is published at the latest version of its contract (`IntakeContracts`), parsed by
 * that version's schema, which keeps the fields it names and drops every other: the sealed
 * person and notes, the actor of a consent. A registration publishes an age band, never the
 * birth year. Events with no contract (personal-data corrections, duplicate decisions) publish
 * nothing.
 */

/** The public fields of a stored BeneficiaryRegistered, v1 (before the casework) or v2 (with `profile`). */
interface StoredRegistration {
  beneficiaryId: string;
  cellId: string;
  category: BeneficiaryCategory;
  sex: Sex;
  birthYear: number;
  nationality: string;
  consent: Consent;
  profile?: BeneficiaryProfile;
  registeredAt: string;
}

/** What the bus carries for a stored intake event: a type, its contract version and the data. Derived from `IntakeIntegrationEvent`. */
export type IntakePublished = IntakeIntegrationEvent extends infer Event
  ? Event extends { type: infer Type; data: infer Data }
    ? { type: Type; schemaVersion: number; data: Data }
    : never
  : never;

const latestContracts = new Map(IntakeContracts.map((contract) => [contract.type, { version: contract.latestVersion, schema: contract.schemas[contract.latestVersion]! }]));

const registrationData = (stored: StoredRegistration) => ({
  beneficiaryId: stored.beneficiaryId,
  cellId: stored.cellId,
  category: stored.category,
  sex: stored.sex,
  ageBand: ageBandOf(stored.birthYear, new Date(stored.registeredAt).getUTCFullYear()),
  nationality: stored.nationality,
  consent: { services: stored.consent.services, sharing: stored.consent.sharing, statistics: stored.consent.statistics },
  // A v1 registration said nothing of the profile.
  profile: stored.profile ?? {},
  registeredAt: stored.registeredAt,
});

export const publishIntakeEvent = (event: StoredEvent): IntakePublished | null => {
  const contract = latestContracts.get(event.type);
  if (!contract) return null;
  const data = event.type === 'BeneficiaryRegistered' ? registrationData(event.data as StoredRegistration) : event.data;
  return { type: event.type, schemaVersion: contract.version, data: contract.schema.parse(data) } as IntakePublished;
};
