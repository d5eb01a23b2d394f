import { BeneficiaryRegisteredV1, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, LaneCounts, ReadStore, sumLaneCounts } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

/**
 * Capacity building (training of cell officers, elected officials and civil-society members)
 * plans sessions where cells are busiest: it follows registrations per cell. Its own domain
 * (programmes, sessions, participants, certificates) arrives in a later milestone.
 */
interface CellRegistration {
  cellId: string;
}

export const CELL_REGISTRATIONS = 'capacity_cell_registrations';
/** Registrations per cell, maintained per lane as registrations are projected. */
export const CELL_REGISTRATION_COUNTS = 'capacity_cell_registration_counts';

const countAs = (registration: CellRegistration): string[] => [registration.cellId];

export class CellActivityProjection implements ReadModel, DocumentProjection<IntegrationEvent, CellRegistration> {
  readonly name = 'cell-activity';
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<CellRegistration>;
  readonly counters: { collection: DocumentCollection<LaneCounts>; countAs: typeof countAs };
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<CellRegistration>(CELL_REGISTRATIONS);
    this.counters = { collection: readStore.collection<LaneCounts>(CELL_REGISTRATION_COUNTS), countAs };
  }

  get collections() {
    return [this.documents, this.counters.collection];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return event.type === 'BeneficiaryRegistered' ? (event.data as BeneficiaryRegisteredV1).beneficiaryId : undefined;
  }

  evolve(_current: CellRegistration | null, event: IntegrationEvent): CellRegistration {
    return { cellId: (event.data as BeneficiaryRegisteredV1).cellId };
  }

  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  async registrationsByCell(): Promise<Record<string, number>> {
    return Object.fromEntries(Object.entries(await sumLaneCounts(this.counters.collection)).filter(([, n]) => n > 0));
  }
}
