import { StoredEvent } from '@oriental/contracts';
import { BeneficiaryEvent, PersonalData, Registration } from '@oriental/intake-domain';
import { EventCodec } from '@oriental/service-kit';
import { PersonalDataVault, SealedData } from './personal-data/personal-data-vault';

/** Stored form of BeneficiaryRegistered v1: the registration with `person` sealed. */
type StoredRegistration = Omit<Registration, 'person'> & { person: SealedData };

export const BENEFICIARY_EVENT_VERSIONS = { BeneficiaryRegistered: 1 } as const;

/** Domain events ↔ stored envelopes of `beneficiary-<id>`; the only place personal data is sealed and opened. */
export class BeneficiaryCodec implements EventCodec<BeneficiaryEvent> {
  constructor(private readonly vault: PersonalDataVault) {}

  async encode(event: BeneficiaryEvent) {
    switch (event.type) {
      case 'BeneficiaryRegistered': {
        const { person, ...rest } = event.data;
        const data: StoredRegistration = { ...rest, person: await this.vault.seal(rest.beneficiaryId, person) };
        return { type: event.type, schemaVersion: BENEFICIARY_EVENT_VERSIONS.BeneficiaryRegistered, data };
      }
    }
  }

  async decode(stored: StoredEvent): Promise<BeneficiaryEvent> {
    switch (stored.type) {
      case 'BeneficiaryRegistered': {
        const data = stored.data as StoredRegistration;
        return { type: 'BeneficiaryRegistered', data: { ...data, person: await this.vault.open<PersonalData>(data.person) } };
      }
      default:
        throw new Error(`Unknown event type ${stored.type} in ${stored.stream}`);
    }
  }
}
