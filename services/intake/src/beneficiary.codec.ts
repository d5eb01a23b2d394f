import { StoredEvent } from '@oriental/contracts';
import { BeneficiaryEvent, fromStored, sealedDataOf, toStored } from '@oriental/intake-domain';
import { EventCodec } from '@oriental/service-kit';
import { PersonalDataVault } from './personal-data/personal-data-vault';

/**
 * Domain events ↔ stored envelopes of `beneficiary-<id>`; the only place personal data (the
 * person, every note) is sealed and opened. Versions, upcasters and which field is sealed are
 * the domain's stored shape (`beneficiary.stored.ts`), shared with readers that have no vault.
 */
export class BeneficiaryCodec implements EventCodec<BeneficiaryEvent> {
  constructor(private readonly vault: PersonalDataVault) {}

  encode(event: BeneficiaryEvent) {
    return toStored(event, (personal) => this.vault.seal(event.data.beneficiaryId, personal));
  }

  async decode(stored: StoredEvent): Promise<BeneficiaryEvent> {
    const sealed = sealedDataOf(stored);
    return fromStored(stored, sealed ? await this.vault.open(sealed) : null);
  }
}
