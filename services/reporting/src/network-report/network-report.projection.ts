import {
  BeneficiaryRegisteredV1,
  ContractRegistry,
  FollowUpOutcome,
  IntakeContracts,
  IntakeIntegrationEvent,
  IntegrationEvent,
  NeedPriority,
  publishIntakeEvent,
} from '@oriental/contracts';
import { DocumentCollection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';
import { applyDatedBatch, BucketCounts, countExistingDocuments, countsOf, DatedCount, DatedCountsProjection, dayOf, Period, PlacedCounts } from '../indicators/dated-counts';
import { cellPlace, figureKey } from '../indicators/figures';

/** A need as the network report keeps it: when and where it was first identified, and whether it is met. */
interface IdentifiedNeed {
  /** The day (UTC) the need was first assessed: identifications count on it. */
  identifiedOn: string;
  /** The cell that had the case then. */
  cellId: string;
  priority: NeedPriority;
  /** The day it was met; absent while it is open (an assessment again reopens it). */
  metOn?: string;
}

/** A transfer of the case to another cell, counted out of the one and into the other on the day it was asked. */
interface CaseTransfer {
  fromCellId: string;
  toCellId: string;
  requestedOn: string;
  status: 'pending' | 'accepted' | 'declined';
}

/**
 * One document per beneficiary with the attributes indicators are cut by, and what the network
 * did for them: where their case stands (the cell it belongs to now, open or closed), the days
 * they came back, their needs, follow-ups and transfers. Each part counts on its own day
 * (`countAs`); docs/indicators.md defines every figure.
 */
interface NetworkBeneficiary {
  beneficiaryId: string;
  /** The cell that registered them: registrations are credited to it for good. */
  cellId: string;
  category: BeneficiaryRegisteredV1['category'];
  sex: BeneficiaryRegisteredV1['sex'];
  ageBand: BeneficiaryRegisteredV1['ageBand'];
  nationality: string;
  /** Consent to statistics, as it stands now: public reports count only people who gave it. */
  statisticsConsent: boolean;
  registeredAt: string;
  /**
   * The cell the case belongs to now: the registering cell until a transfer is accepted, then
   * the receiving cell. Absent on documents written before transfers were followed: `cellId`.
   */
  currentCellId?: string;
  /** False once the case is closed, true again when it is reopened. Absent (written before): open. */
  open?: boolean;
  /**
   * Return receptions: each later day (UTC) the case was received again (needs assessed, a
   * follow-up held, the profile recorded, the case reopened), once a day, with the cell that
   * received them. Absent on documents written before the report followed them.
   */
  returns?: { day: string; cellId: string }[];
  /** By need code. */
  needs?: Record<string, IdentifiedNeed>;
  /** By follow-up id: the day it is due, and its outcome once recorded. */
  followUps?: Record<string, { dueDate: string; outcome?: FollowUpOutcome }>;
  /** By transfer id. */
  transfers?: Record<string, CaseTransfer>;
}

/**
 * A case whose registration this read model never received (a registration skipped as invalid
 * by the consumer) but whose later events it did: kept so its stream's checkpoint holds, counted
 * nowhere, since its cell and category are unknown.
 */
interface UnregisteredCase {
  beneficiaryId: string;
  registered: false;
}

export type NetworkCase = NetworkBeneficiary | UnregisteredCase;

const isRegistered = (document: NetworkCase): document is NetworkBeneficiary => !('registered' in document);

export const NETWORK_BENEFICIARIES = 'reporting_network_beneficiaries';
/** The report's figures by day, month and all time (see `indicators/dated-counts.ts`). */
export const NETWORK_DATED_COUNTS = 'reporting_network_dated_counts';
/** Where versions before dated counters kept all-time counts per lane: dropped at the first boot after (`countAtUpgrade`). */
const NETWORK_LANE_COUNTS = 'reporting_network_counts';
const NETWORK_REPORT_PROJECTION = 'network-report';

export const intakeContracts = new ContractRegistry(IntakeContracts);

/** The network's all-time figures in their first shape: what the hub's snapshot shows per cell. */
interface NetworkFigures {
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

type Followed = Extract<
  IntakeIntegrationEvent,
  {
    type:
      | 'BeneficiaryRegistered'
      | 'BeneficiaryProfileRecorded'
      | 'ConsentGiven'
      | 'ConsentWithdrawn'
      | 'NeedsAssessed'
      | 'NeedMet'
      | 'FollowUpScheduled'
      | 'FollowUpRecorded'
      | 'TransferRequested'
      | 'TransferAccepted'
      | 'TransferDeclined'
      | 'CaseClosed'
      | 'CaseReopened';
  }
>;
/** The intake events the report follows: every one changes its beneficiary's document. */
const FOLLOWED = new Set<string>([
  'BeneficiaryRegistered',
  'BeneficiaryProfileRecorded',
  'ConsentGiven',
  'ConsentWithdrawn',
  'NeedsAssessed',
  'NeedMet',
  'FollowUpScheduled',
  'FollowUpRecorded',
  'TransferRequested',
  'TransferAccepted',
  'TransferDeclined',
  'CaseClosed',
  'CaseReopened',
] satisfies Followed['type'][]);
const isFollowed = (event: IntegrationEvent): event is Followed => FOLLOWED.has(event.type);

/** The case received again on `day` by the cell that has it: once a day, never on the registration day. */
const receivedAgain = (current: NetworkBeneficiary, at: string): NetworkBeneficiary => {
  const day = dayOf(at);
  const returns = current.returns ?? [];
  if (day === dayOf(current.registeredAt) || returns.some((visit) => visit.day === day)) return current;
  return { ...current, returns: [...returns, { day, cellId: current.currentCellId ?? current.cellId }] };
};

/**
 * Measures a document counts under (docs/indicators.md):
 * - on the registration day: `new`, `new.sex:<sex>`, `new.ageBand:<band>`, `new.nationality:<code>`
 *   at the registering cell; `open` at the cell that has the case, while it is open;
 * - on each return day: `returning` and its `.sex:`, `.ageBand:`, `.nationality:` at the receiving cell;
 * - on a need's identification day, at the cell that identified it: `needs.identified`,
 *   `needs.code:<code>`, `needs.priority:<priority>`, and once met `needs.met`, `needs.met.code:<code>`;
 * - on a follow-up's due day, at the cell that has the case: `followUps.due`, then
 *   `followUps.outcome:<outcome>` once recorded, or `followUps.pending` while the case is open;
 * - on a transfer's request day: `transfers.out` and `transfers.out.<status>` at the cell it
 *   leaves, `transfers.in` and `transfers.in.<status>` at the cell asked to take it.
 * Each under the person's category and consent to statistics.
 */
const countAs = (document: NetworkCase): DatedCount[] => {
  if (!isRegistered(document)) return [];
  const who = (measure: string) => figureKey(document.category, document.statisticsConsent, measure);
  const currentCell = document.currentCellId ?? document.cellId;
  const open = document.open !== false;
  const registeredOn = dayOf(document.registeredAt);
  const person = (measure: string) => [measure, `${measure}.sex:${document.sex}`, `${measure}.ageBand:${document.ageBand}`, `${measure}.nationality:${document.nationality}`];
  const counts: DatedCount[] = person('new').map((measure) => ({ day: registeredOn, place: cellPlace(document.cellId), key: who(measure) }));
  if (open) counts.push({ day: registeredOn, place: cellPlace(currentCell), key: who('open') });
  for (const { day, cellId } of document.returns ?? []) counts.push(...person('returning').map((measure) => ({ day, place: cellPlace(cellId), key: who(measure) })));
  for (const [code, need] of Object.entries(document.needs ?? {})) {
    const measures = ['needs.identified', `needs.code:${code}`, `needs.priority:${need.priority}`, ...(need.metOn !== undefined ? ['needs.met', `needs.met.code:${code}`] : [])];
    counts.push(...measures.map((measure) => ({ day: need.identifiedOn, place: cellPlace(need.cellId), key: who(measure) })));
  }
  for (const followUp of Object.values(document.followUps ?? {})) {
    const state = followUp.outcome !== undefined ? `followUps.outcome:${followUp.outcome}` : open ? 'followUps.pending' : undefined;
    for (const measure of ['followUps.due', ...(state ? [state] : [])]) counts.push({ day: followUp.dueDate, place: cellPlace(currentCell), key: who(measure) });
  }
  for (const transfer of Object.values(document.transfers ?? {})) {
    for (const [direction, cellId] of [
      ['out', transfer.fromCellId],
      ['in', transfer.toCellId],
    ] as const) {
      for (const measure of [`transfers.${direction}`, `transfers.${direction}.${transfer.status}`]) counts.push({ day: transfer.requestedOn, place: cellPlace(cellId), key: who(measure) });
    }
  }
  return counts;
};

/**
 * The network report's read model: one document per beneficiary, fed by intake's integration
 * events, and its figures counted by day, month and all time in the same write, so that a
 * report over any period reads a few counter documents, whatever the number of beneficiaries,
 * and stays exact under redelivery. It serves `/reports/network`, `/reports/needs`,
 * `/reports/follow-ups` and `/reports/transfers`.
 */
export class NetworkReportProjection implements ReadModel, DatedCountsProjection<IntegrationEvent, NetworkCase> {
  readonly name = NETWORK_REPORT_PROJECTION;
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<NetworkCase>;
  readonly counters: { collection: DocumentCollection<BucketCounts>; countAs: typeof countAs };
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);
  private readonly laneCounts: DocumentCollection<object>;

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<NetworkCase>(NETWORK_BENEFICIARIES);
    this.counters = { collection: readStore.collection<BucketCounts>(NETWORK_DATED_COUNTS), countAs };
    this.laneCounts = readStore.collection<object>(NETWORK_LANE_COUNTS);
  }

  get collections() {
    return [this.documents, this.counters.collection, this.laneCounts];
  }

  /** Every intake fact the report follows carries its beneficiary: one document per beneficiary, one lane each (the bus's key). */
  documentId(event: IntegrationEvent): string | undefined {
    return isFollowed(event) ? event.data.beneficiaryId : undefined;
  }

  evolve(current: NetworkCase | null, integrationEvent: IntegrationEvent): NetworkCase {
    const event = integrationEvent as Followed;
    if (event.type === 'BeneficiaryRegistered') {
      const data = event.data;
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
    if (!current || !isRegistered(current)) return { beneficiaryId: event.data.beneficiaryId, registered: false };
    switch (event.type) {
      case 'BeneficiaryProfileRecorded':
        return receivedAgain(current, event.data.recordedAt);
      case 'ConsentGiven':
      case 'ConsentWithdrawn':
        return event.data.purpose === 'statistics' ? { ...current, statisticsConsent: event.type === 'ConsentGiven' } : current;
      case 'NeedsAssessed': {
        const cellId = current.currentCellId ?? current.cellId;
        const needs = { ...current.needs };
        // A need assessed again stays counted on its first identification, reopened and at its new priority.
        for (const { code, priority } of event.data.needs) needs[code] = { identifiedOn: needs[code]?.identifiedOn ?? dayOf(event.data.assessedAt), cellId: needs[code]?.cellId ?? cellId, priority };
        return receivedAgain({ ...current, needs }, event.data.assessedAt);
      }
      case 'NeedMet': {
        const need = current.needs?.[event.data.code];
        return need ? { ...current, needs: { ...current.needs, [event.data.code]: { ...need, metOn: dayOf(event.data.metAt) } } } : current;
      }
      case 'FollowUpScheduled':
        return { ...current, followUps: { ...current.followUps, [event.data.followUpId]: { dueDate: event.data.dueDate } } };
      case 'FollowUpRecorded': {
        const followUp = current.followUps?.[event.data.followUpId];
        const recorded = followUp ? { ...current, followUps: { ...current.followUps, [event.data.followUpId]: { ...followUp, outcome: event.data.outcome } } } : current;
        return event.data.outcome === 'held' ? receivedAgain(recorded, event.data.recordedAt) : recorded;
      }
      case 'TransferRequested': {
        const { transferId, fromCellId, toCellId, requestedAt } = event.data;
        return { ...current, transfers: { ...current.transfers, [transferId]: { fromCellId, toCellId, requestedOn: dayOf(requestedAt), status: 'pending' } } };
      }
      case 'TransferAccepted':
      case 'TransferDeclined': {
        const { transferId, fromCellId, toCellId } = event.data;
        const accepted = event.type === 'TransferAccepted';
        const at = accepted ? event.data.acceptedAt : event.data.declinedAt;
        // A decision whose request this model never saw still counts, on the day of the decision.
        const transfer = current.transfers?.[transferId] ?? { fromCellId, toCellId, requestedOn: dayOf(at) };
        const next = { ...current, transfers: { ...current.transfers, [transferId]: { ...transfer, status: accepted ? ('accepted' as const) : ('declined' as const) } } };
        // From then on the case belongs to the receiving cell (contracts: TransferAccepted).
        return accepted ? { ...next, currentCellId: toCellId } : next;
      }
      case 'CaseClosed':
        return { ...current, open: false };
      case 'CaseReopened':
        return receivedAgain({ ...current, open: true }, event.data.reopenedAt);
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  /** Applies a batch of one lane's intake integration events; other types are someone else's business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyDatedBatch(this.readStore, this, lane, events);
  }

  /** The counts of a period (all time when open), added up over lanes: what the reports cut and filter. */
  counts(period: Period = {}): Promise<PlacedCounts> {
    return countsOf(this.counters.collection, period);
  }

  /** All time, every cell, exact: registrations by registering cell and category, open cases by current cell. */
  async figures(): Promise<NetworkFigures> {
    const add = (into: Record<string, number>, key: string, n: number) => (into[key] = (into[key] ?? 0) + n);
    const figures: NetworkFigures = { beneficiaries: { total: 0, byCell: {}, byCategory: {} }, caseload: { open: 0, byCell: {} } };
    for (const [place, counts] of await this.counts()) {
      const cellId = place.slice('c:'.length);
      for (const [key, n] of counts) {
        const [category, , measure] = key.split('|');
        if (measure === 'new') {
          figures.beneficiaries.total += n;
          add(figures.beneficiaries.byCell, cellId, n);
          add(figures.beneficiaries.byCategory, category!, n);
        } else if (measure === 'open') {
          figures.caseload.open += n;
          add(figures.caseload.byCell, cellId, n);
        }
      }
    }
    return figures;
  }

  /**
   * Counts the documents of a read store written before the report kept dated counters, once,
   * at boot, before the consumers start; then drops the all-time lane counters those versions
   * kept. Answers how many documents it counted.
   */
  async countAtUpgrade(): Promise<number> {
    const counted = await countExistingDocuments(this.readStore, this);
    if (counted > 0) await this.laneCounts.drop();
    return counted;
  }
}
