import { BeneficiaryRegisteredV1, ContractRegistry, IntakeContracts, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, LaneCounts, ReadStore, sumLaneCounts } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/** One document per beneficiary with the attributes indicators are cut by. */
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
/** The report's figures, maintained per lane as beneficiaries are projected (see `applyBatch`). */
export const NETWORK_COUNTS = 'reporting_network_counts';
export const NETWORK_REPORT_PROJECTION = 'network-report';

export const intakeContracts = new ContractRegistry(IntakeContracts);

export interface NetworkFigures {
  total: number;
  byCell: Record<string, number>;
  byCategory: Record<string, number>;
}

/** Counter keys: `total`, `cell:<cellId>`, `category:<category>`. */
const countAs = (beneficiary: NetworkBeneficiary): string[] => ['total', `cell:${beneficiary.cellId}`, `category:${beneficiary.category}`];

/**
 * The network report: beneficiaries by cell and category. Its figures are counters kept in step
 * with the beneficiary documents, in the same write, so a report reads a handful of counter
 * documents whatever the number of beneficiaries, and stays exact under redelivery.
 */
export class NetworkReportProjection implements ReadModel, DocumentProjection<IntegrationEvent, NetworkBeneficiary> {
  readonly name = NETWORK_REPORT_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<NetworkBeneficiary>;
  readonly counters: { collection: DocumentCollection<LaneCounts>; countAs: typeof countAs };
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<NetworkBeneficiary>(NETWORK_BENEFICIARIES);
    this.counters = { collection: readStore.collection<LaneCounts>(NETWORK_COUNTS), countAs };
  }

  get collections() {
    return [this.documents, this.counters.collection];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return event.type === 'BeneficiaryRegistered' ? (event.data as BeneficiaryRegisteredV1).beneficiaryId : undefined;
  }

  evolve(_current: NetworkBeneficiary | null, event: IntegrationEvent): NetworkBeneficiary {
    const data = event.data as BeneficiaryRegisteredV1;
    return {
      beneficiaryId: data.beneficiaryId,
      cellId: data.cellId,
      category: data.category,
      sex: data.sex,
      ageBand: data.ageBand,
      nationality: data.nationality,
      statisticsConsent: data.consent.statistics,
      registeredAt: data.registeredAt,
    };
  }

  /** Applies a batch of one lane's intake integration events; other types are someone else's business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  async figures(): Promise<NetworkFigures> {
    const counts = await sumLaneCounts(this.counters.collection);
    const byPrefix = (prefix: string) =>
      Object.fromEntries(Object.entries(counts).flatMap(([key, n]) => (key.startsWith(prefix) && n > 0 ? [[key.slice(prefix.length), n]] : [])));
    return { total: counts['total'] ?? 0, byCell: byPrefix('cell:'), byCategory: byPrefix('category:') };
  }
}
