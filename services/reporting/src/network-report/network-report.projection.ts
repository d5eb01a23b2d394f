import { BeneficiaryRegisteredV1, ContractRegistry, IntakeContracts, IntegrationEvent } from '@oriental/contracts';
import { applyToDocument, ApplyOutcome, DocumentCollection, ReadStore } from '@oriental/read-store';

/**
 * One document per beneficiary with the attributes indicators are cut by. Counting documents
 * (rather than incrementing counters) keeps every figure exact under redelivery: a document
 * is written once per source event revision, and a count has nothing to double.
 */
export interface NetworkBeneficiary {
  beneficiaryId: string;
  cellId: string;
  category: BeneficiaryRegisteredV1['category'];
  sex: BeneficiaryRegisteredV1['sex'];
  ageBand: BeneficiaryRegisteredV1['ageBand'];
  nationality: string;
  /** Consent to statistics: public exports (a later milestone) count only these. */
  statisticsConsent: boolean;
  registeredAt: string;
}

export const NETWORK_BENEFICIARIES = 'reporting_network_beneficiaries';
export const NETWORK_REPORT_PROJECTION = 'network-report';

export const intakeContracts = new ContractRegistry(IntakeContracts);

export class NetworkReportProjection {
  readonly beneficiaries: DocumentCollection<NetworkBeneficiary>;

  constructor(readStore: ReadStore) {
    this.beneficiaries = readStore.collection<NetworkBeneficiary>(NETWORK_BENEFICIARIES);
  }

  /** Applies one intake integration event; unknown types are someone else's business. */
  async apply(event: IntegrationEvent): Promise<ApplyOutcome | 'ignored'> {
    switch (event.type) {
      case 'BeneficiaryRegistered': {
        const data = event.data as BeneficiaryRegisteredV1;
        return applyToDocument(this.beneficiaries, data.beneficiaryId, event.source, () => ({
          beneficiaryId: data.beneficiaryId,
          cellId: data.cellId,
          category: data.category,
          sex: data.sex,
          ageBand: data.ageBand,
          nationality: data.nationality,
          statisticsConsent: data.consent.statistics,
          registeredAt: data.registeredAt,
        }));
      }
      default:
        return 'ignored';
    }
  }
}
