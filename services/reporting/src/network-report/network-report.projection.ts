import {
  BeneficiaryRegisteredV1,
  ContractRegistry,
  IntakeContracts,
  IntegrationEvent,
  publishIntakeEvent,
  TransferAcceptedV1,
} from '@oriental/contracts';
import { applyBatch, DocumentCollection, documentPages, DocumentProjection, LaneCounts, ReadStore, sumLaneCounts } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/**
 * One document per beneficiary with the attributes indicators are cut by, and where their case
 * stands: the cell it belongs to now and whether it is open.
 */
export interface NetworkBeneficiary {
  beneficiaryId: string;
  /** The cell that registered them: registrations are credited to it for good. */
  cellId: string;
  category: BeneficiaryRegisteredV1['category'];
  sex: BeneficiaryRegisteredV1['sex'];
  ageBand: BeneficiaryRegisteredV1['ageBand'];
  nationality: string;
  /** Consent to statistics: public exports (a later milestone) count only these. */
  statisticsConsent: boolean;
  registeredAt: string;
  /**
   * The cell the case belongs to now: the registering cell until a transfer is accepted, then
   * the receiving cell. Absent on documents written before transfers were followed: `cellId`.
   */
  currentCellId?: string;
  /** False once the case is closed, true again when it is reopened. Absent (written before): open. */
  open?: boolean;
}

/**
 * A case whose registration this read model never received (a registration skipped as invalid
 * by the consumer) but whose later events it did: kept so its stream's checkpoint holds, counted
 * nowhere, since its cell and category are unknown.
 */
export interface UnregisteredCase {
  beneficiaryId: string;
  registered: false;
}

export type NetworkCase = NetworkBeneficiary | UnregisteredCase;

const isRegistered = (document: NetworkCase): document is NetworkBeneficiary => !('registered' in document);

export const NETWORK_BENEFICIARIES = 'reporting_network_beneficiaries';
/** The report's figures, maintained per lane as beneficiaries are projected (see `applyBatch`). */
export const NETWORK_COUNTS = 'reporting_network_counts';
export const NETWORK_REPORT_PROJECTION = 'network-report';

export const intakeContracts = new ContractRegistry(IntakeContracts);

export interface NetworkFigures {
  beneficiaries: {
    /** Beneficiaries registered, all time. */
    total: number;
    /** Registrations credited to the cell that made them, whoever holds the case now. */
    byCell: Record<string, number>;
    byCategory: Record<string, number>;
  };
  caseload: {
    /** Cases open now, network-wide. */
    open: number;
    /** Open cases by the cell they belong to now (after accepted transfers). */
    byCell: Record<string, number>;
  };
}

/** The intake events the report follows, and the document each one changes (its beneficiary's). */
const followed = new Set(['BeneficiaryRegistered', 'TransferAccepted', 'CaseClosed', 'CaseReopened']);

/**
 * Counter keys: `total`, `cell:<registering cell>`, `category:<category>`, and, while the case is
 * open, `caseload:<current cell>`. A transfer or a closure moves a document between keys, and
 * `applyBatch` moves its count with it, exactly once per event.
 */
const countAs = (document: NetworkCase): string[] => {
  if (!isRegistered(document)) return [];
  const keys = ['total', `cell:${document.cellId}`, `category:${document.category}`];
  if (document.open !== false) keys.push(`caseload:${document.currentCellId ?? document.cellId}`);
  return keys;
};

/** The lane that holds the caseload of documents written before the report followed transfers and closures. */
const CASELOAD_AT_UPGRADE = 'caseload-at-upgrade';

/**
 * The network report: beneficiaries registered by cell and category, and the open caseload by
 * the cell each case belongs to now. Its figures are counters kept in step with the beneficiary
 * documents, in the same write, so a report reads a handful of counter documents whatever the
 * number of beneficiaries, and stays exact under redelivery.
 */
export class NetworkReportProjection implements ReadModel, DocumentProjection<IntegrationEvent, NetworkCase> {
  readonly name = NETWORK_REPORT_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<NetworkCase>;
  readonly counters: { collection: DocumentCollection<LaneCounts>; countAs: typeof countAs };
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<NetworkCase>(NETWORK_BENEFICIARIES);
    this.counters = { collection: readStore.collection<LaneCounts>(NETWORK_COUNTS), countAs };
  }

  get collections() {
    return [this.documents, this.counters.collection];
  }

  /** Every intake fact the report follows carries its beneficiary: one document per beneficiary, one lane each (the bus's key). */
  documentId(event: IntegrationEvent): string | undefined {
    return followed.has(event.type) ? (event.data as { beneficiaryId: string }).beneficiaryId : undefined;
  }

  evolve(current: NetworkCase | null, event: IntegrationEvent): NetworkCase {
    if (event.type === 'BeneficiaryRegistered') {
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
        currentCellId: data.cellId,
        open: true,
      };
    }
    const beneficiaryId = (event.data as { beneficiaryId: string }).beneficiaryId;
    if (!current || !isRegistered(current)) return { beneficiaryId, registered: false };
    switch (event.type) {
      case 'TransferAccepted':
        // From then on the case belongs to the receiving cell (contracts: TransferAccepted).
        return { ...current, currentCellId: (event.data as TransferAcceptedV1).toCellId };
      case 'CaseClosed':
        return { ...current, open: false };
      case 'CaseReopened':
        return { ...current, open: true };
      default:
        return current;
    }
  }

  /** Applies a batch of one lane's intake integration events; other types are someone else's business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  /**
   * Counts the caseload of documents stored before the report followed transfers and closures:
   * each holds only a registration, so it is an open case of its registering cell. Runs at boot,
   * before consumers start; a lane of its own holds the counts and marks it done, so later boots
   * read one document. Answers how many documents it counted.
   */
  async countCaseloadAtUpgrade(): Promise<number> {
    if (await this.counters.collection.get(CASELOAD_AT_UPGRADE)) return 0;
    const counts = await sumLaneCounts(this.counters.collection);
    // Counted already: by `countExistingDocuments` (a store from before counters), or live.
    const counted = Object.entries(counts).some(([key, n]) => key.startsWith('caseload:') && n !== 0);
    const caseload = new Map<string, number>();
    let earlier = 0;
    if (!counted) {
      // A page at a time: the walk holds one page of documents, whatever their number.
      for await (const page of documentPages(this.documents)) {
        for (const { data } of page) {
          if (!isRegistered(data) || data.open !== undefined) continue;
          earlier += 1;
          caseload.set(`caseload:${data.cellId}`, (caseload.get(`caseload:${data.cellId}`) ?? 0) + 1);
        }
      }
    }
    // Version 0: when another process marked it first, this one counts nothing.
    const written = await this.counters.collection.write(CASELOAD_AT_UPGRADE, { position: '0', counts: Object.fromEntries(caseload) }, { expectedVersion: 0 });
    return written ? earlier : 0;
  }

  async figures(): Promise<NetworkFigures> {
    const counts = await sumLaneCounts(this.counters.collection);
    const byPrefix = (prefix: string) =>
      Object.fromEntries(Object.entries(counts).flatMap(([key, n]) => (key.startsWith(prefix) && n > 0 ? [[key.slice(prefix.length), n]] : [])));
    const caseloadByCell = byPrefix('caseload:');
    return {
      beneficiaries: { total: counts['total'] ?? 0, byCell: byPrefix('cell:'), byCategory: byPrefix('category:') },
      caseload: { open: Object.values(caseloadByCell).reduce((sum, n) => sum + n, 0), byCell: caseloadByCell },
    };
  }
}
