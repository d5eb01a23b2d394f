import { randomUUID } from 'node:crypto';
import { StoredEvent, Topics } from '@oriental/contracts';
import { EventStore } from '@oriental/event-store';
import { EventBus, integrationMessage } from '@oriental/messaging';

/**
 * Intake's facts as referral receives them, for specs that run referral alone: each is appended
 * to the log (so it has a position, as intake's own events do) and published on the bus as
 * intake's forwarder would publish it. The stored data is the integration data: nothing in
 * referral reads intake's stored shape.
 */
export const intakeFacts = (store: EventStore, bus: EventBus, now: () => Date) => {
  const fact = async (beneficiaryId: string, type: string, data: object, { cellId = 'oujda', schemaVersion = 1 } = {}): Promise<StoredEvent> => {
    const id = randomUUID();
    const metadata = { beneficiaryId, cellId, correlationId: `spec-${id}`, causationId: `spec-${id}`, actor: 'agent:intake', occurredAt: now().toISOString() };
    await store.appendToStream(`beneficiary-${beneficiaryId}`, [{ id, type, schemaVersion, data, metadata }], { expectedRevision: 'any' });
    const stored = (await store.readStream(`beneficiary-${beneficiaryId}`)).find((event) => event.id === id)!;
    await publish(stored);
    return stored;
  };
  /** Publishes a stored fact again: a redelivery. */
  const publish = (stored: StoredEvent) => bus.publish([integrationMessage(Topics.intake, stored, stored.type, stored.schemaVersion, stored.data)]);
  const at = () => now().toISOString();
  return {
    publish,
    registered: (beneficiaryId: string, { cellId = 'oujda', sharing = true } = {}) =>
      fact(
        beneficiaryId,
        'BeneficiaryRegistered',
        {
          beneficiaryId,
          cellId,
          category: 'mre',
          sex: 'female',
          ageBand: '35-44',
          nationality: 'MA',
          consent: { services: true, sharing, statistics: true },
          registeredAt: at(),
          profile: {},
        },
        { cellId, schemaVersion: 2 },
      ),
    consentWithdrawn: (beneficiaryId: string, purpose = 'sharing') => fact(beneficiaryId, 'ConsentWithdrawn', { beneficiaryId, purpose, at: at() }),
    consentGiven: (beneficiaryId: string, purpose = 'sharing') => fact(beneficiaryId, 'ConsentGiven', { beneficiaryId, purpose, at: at() }),
    caseClosed: (beneficiaryId: string) => fact(beneficiaryId, 'CaseClosed', { beneficiaryId, reason: 'resolved', closedAt: at() }),
    caseReopened: (beneficiaryId: string) => fact(beneficiaryId, 'CaseReopened', { beneficiaryId, reopenedAt: at() }),
    transferAccepted: (beneficiaryId: string, fromCellId: string, toCellId: string) =>
      fact(beneficiaryId, 'TransferAccepted', { beneficiaryId, transferId: randomUUID(), fromCellId, toCellId, acceptedAt: at() }, { cellId: toCellId }),
  };
};
