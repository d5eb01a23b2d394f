import { BeneficiaryRegisteredV1, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/**
 * What referral needs to know of intake: whether the beneficiary consented to sharing their
 * case with partners. A referral (orientation to a partner service) is blocked without that
 * consent unless an override is recorded — the referral domain arrives in a later milestone,
 * this read model is its consent gate.
 */
export interface BeneficiaryConsent {
  beneficiaryId: string;
  cellId: string;
  sharing: boolean;
}

export const BENEFICIARY_CONSENTS = 'referral_beneficiary_consents';

export class BeneficiaryConsentProjection implements ReadModel, DocumentProjection<IntegrationEvent, BeneficiaryConsent> {
  readonly name = 'beneficiary-consent';
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<BeneficiaryConsent>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<BeneficiaryConsent>(BENEFICIARY_CONSENTS);
  }

  get collections() {
    return [this.documents];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return event.type === 'BeneficiaryRegistered' ? (event.data as BeneficiaryRegisteredV1).beneficiaryId : undefined;
  }

  evolve(_current: BeneficiaryConsent | null, event: IntegrationEvent): BeneficiaryConsent {
    const data = event.data as BeneficiaryRegisteredV1;
    return { beneficiaryId: data.beneficiaryId, cellId: data.cellId, sharing: data.consent.sharing };
  }

  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }
}
