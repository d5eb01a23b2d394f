import { ContractRegistry, IntakeContracts, IntakeIntegrationEvent, IntegrationEvent, publishIntakeEvent } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

export const intakeContracts = new ContractRegistry(IntakeContracts);

/**
 * What referral knows of a beneficiary's case from intake's events: the cell it belongs to now
 * (a transfer moves it), whether the beneficiary consents to sharing their case with partners
 * (the consent gate of a referral), and whether the case is open. Referral refuses to send a
 * referral for a case it has not heard of or that is closed.
 */
export interface BeneficiaryCase {
  beneficiaryId: string;
  cellId: string;
  sharing: boolean;
  /** Absent in documents written before cases were followed: they are open. */
  status?: 'open' | 'closed';
}

/** The collection keeps the name it had as the consent read model, so its documents carry over. */
const BENEFICIARY_CASES = 'referral_beneficiary_consents';

const FOLLOWED: ReadonlySet<string> = new Set<IntakeIntegrationEvent['type']>([
  'BeneficiaryRegistered',
  'ConsentGiven',
  'ConsentWithdrawn',
  'CaseClosed',
  'CaseReopened',
  'TransferAccepted',
]);

export class BeneficiaryCaseProjection implements ReadModel, DocumentProjection<IntegrationEvent, BeneficiaryCase> {
  readonly name = 'beneficiary-case';
  readonly streamPrefixes = ['beneficiary-'];
  readonly documents: DocumentCollection<BeneficiaryCase>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishIntakeEvent);

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<BeneficiaryCase>(BENEFICIARY_CASES);
  }

  get collections() {
    return [this.documents];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return FOLLOWED.has(event.type) ? (event.data as { beneficiaryId: string }).beneficiaryId : undefined;
  }

  evolve(current: BeneficiaryCase | null, integrationEvent: IntegrationEvent): BeneficiaryCase {
    const event = integrationEvent as IntakeIntegrationEvent;
    // Intake's events of one beneficiary arrive in order, registration first; should one come
    // alone, the case is what it says, consent to sharing not assumed.
    const base: BeneficiaryCase = current ?? { beneficiaryId: event.data.beneficiaryId, cellId: event.cellId ?? '', sharing: false, status: 'open' };
    switch (event.type) {
      case 'BeneficiaryRegistered':
        return { beneficiaryId: event.data.beneficiaryId, cellId: event.data.cellId, sharing: event.data.consent.sharing, status: 'open' };
      case 'ConsentGiven':
        return event.data.purpose === 'sharing' ? { ...base, sharing: true } : base;
      case 'ConsentWithdrawn':
        return event.data.purpose === 'sharing' ? { ...base, sharing: false } : base;
      case 'CaseClosed':
        return { ...base, status: 'closed' };
      case 'CaseReopened':
        return { ...base, status: 'open' };
      case 'TransferAccepted':
        return { ...base, cellId: event.data.toCellId };
      default:
        return base;
    }
  }

  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyBatch(this.readStore, this, lane, events);
  }

  /** The case as the consent gate sees it, or null when intake never told referral of it. */
  async find(beneficiaryId: string): Promise<Required<BeneficiaryCase> | null> {
    const document = await this.documents.get(beneficiaryId);
    return document ? { ...document.data, status: document.data.status ?? 'open' } : null;
  }
}
