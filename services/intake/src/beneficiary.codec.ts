import { StoredEvent } from '@oriental/contracts';
import { Beneficiary, BeneficiaryEvent, fromStored, sealedDataOf, toStored } from '@oriental/intake-domain';
import { ContextMetadata, EventCodec } from '@oriental/service-kit';
import { PersonalDataVault } from './personal-data/personal-data-vault';

/**
 * Domain events ↔ stored envelopes of `beneficiary-<id>`; the only place personal data (the
 * person, every note) is sealed and opened. Versions, upcasters and which field is sealed are
 * the domain's stored shape (`beneficiary.stored.ts`), shared with readers that have no vault.
 */
export class BeneficiaryCodec implements EventCodec<BeneficiaryEvent, Beneficiary> {
  constructor(private readonly vault: PersonalDataVault) {}

  encode(event: BeneficiaryEvent) {
    return toStored(event, (personal) => this.vault.seal(event.data.beneficiaryId, personal));
  }

  async decode(stored: StoredEvent): Promise<BeneficiaryEvent> {
    const sealed = sealedDataOf(stored);
    return fromStored(stored, sealed ? await this.vault.open(sealed) : null);
  }

  /** Every event is in the beneficiary's journey, at the cell that has the case when the command arrives. */
  metadataOf(event: BeneficiaryEvent, decidedOn: Beneficiary): ContextMetadata {
    const cellId = decidedOn.status !== 'unknown' ? decidedOn.cellId : event.type === 'BeneficiaryRegistered' ? event.data.cellId : undefined;
    return { beneficiaryId: event.data.beneficiaryId, cellId };
  }
}
