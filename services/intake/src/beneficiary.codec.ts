import { StoredEvent } from '@oriental/contracts';
import { Beneficiary, BeneficiaryEvent, decodeWithoutPersonalData, fromStored, sealedDataOf, toStored } from '@oriental/intake-domain';
import { ContextMetadata, EventCodec } from '@oriental/service-kit';
import { PersonalDataVault } from '@oriental/personal-data';

/**
 * Domain events ↔ stored envelopes of `beneficiary-<id>`; the only place personal data (the
 * person, every note) is sealed and opened. Versions, upcasters and which field is sealed are
 * the domain's stored shape (`beneficiary.stored.ts`), shared with readers that have no vault.
 */
export class BeneficiaryCodec implements EventCodec<BeneficiaryEvent, Beneficiary> {
  constructor(private readonly vault: PersonalDataVault) {}

  encode(event: BeneficiaryEvent) {
    return toStored(event, (personal) => this.vault.seal(event.data.beneficiaryId, personal, { newPerson: event.type === 'BeneficiaryRegistered' }));
  }

  /**
   * What commands decide on: the same events with personal data and notes left closed. No
   * rule reads them, so a command opens nothing of the case's history (no key read, no
   * decryption per event); new events are still sealed by `encode`.
   */
  readonly forDecisions: EventCodec<BeneficiaryEvent, Beneficiary> = {
    encode: (event) => this.encode(event),
    decode: async (stored) => decodeWithoutPersonalData(stored),
    metadataOf: (event, decidedOn) => this.metadataOf(event, decidedOn),
  };

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
