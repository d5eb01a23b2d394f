import { randomUUID } from 'node:crypto';
import { NewEvent } from '@oriental/contracts';
import type { EventStore } from '@oriental/event-store';
import { BeneficiaryEvent, beneficiaryStream, Registration, toStored } from '@oriental/intake-domain';
import { encodeReferralContextEvent, ReferralEvent, referralStream } from '@oriental/referral-domain';

/**
 * A beneficiary's journey, built as intake and referral store it: their domain events, encoded by
 * their own stored-event functions (personal data sealed by a stand-in for the vault), appended
 * through the event store port in the order they are built. Each step takes the instant it
 * happened (`metadata.occurredAt`), the cell and the actor.
 */
export const aJourney = (beneficiaryId: string = randomUUID()) => {
  const steps: { stream: string; event: () => Promise<NewEvent> }[] = [];
  const referralIds: string[] = [];
  const transferIds: string[] = [];
  let cellId = 'oujda';
  let pendingTransfer: { transferId: string; fromCellId: string; toCellId: string } | undefined;

  const metadata = (occurredAt: string, cell: string) => ({
    beneficiaryId,
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: `agent:${cell}-1`,
    cellId: cell,
    occurredAt,
  });
  // The sealed shape the vault writes; the journey must never open it (there is no key to).
  const seal = async () => ({ alg: 'A256GCM' as const, kid: beneficiaryId, iv: 'aXY=', tag: 'dGFn', ciphertext: 'c2VhbGVk' });

  const intake = (occurredAt: string, event: BeneficiaryEvent, cell = cellId) => {
    steps.push({
      stream: beneficiaryStream(beneficiaryId),
      event: async () => ({ id: randomUUID(), ...(await toStored(event, seal)), metadata: metadata(occurredAt, cell) }),
    });
  };
  const referral = (occurredAt: string, referralId: string, event: ReferralEvent, cell = cellId) => {
    steps.push({ stream: referralStream(referralId), event: async () => ({ id: randomUUID(), ...encodeReferralContextEvent(event), metadata: metadata(occurredAt, cell) }) });
  };
  const by = (cell: string) => `agent:${cell}-1`;

  const builder = {
    beneficiaryId,
    /** The ids of the referrals sent so far, in order. */
    referralIds,
    /** The ids of the transfers asked so far, in order. */
    transferIds,
    registered(at: string, registration: Partial<Registration> = {}) {
      cellId = registration.cellId ?? cellId;
      intake(at, {
        type: 'BeneficiaryRegistered',
        data: {
          beneficiaryId,
          cellId,
          category: 'returnee',
          sex: 'female',
          birthYear: 1988,
          nationality: 'MA',
          consent: { services: true, sharing: true, statistics: true },
          profile: { returnedFrom: 'ES', languages: ['arabic', 'spanish'] },
          person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
          registeredAt: at,
          ...registration,
        },
      });
      return builder;
    },
    needsAssessed(at: string, needs: { code: string; priority: 'high' | 'medium' | 'low' }[]) {
      intake(at, { type: 'NeedsAssessed', data: { beneficiaryId, needs, assessedAt: at } });
      return builder;
    },
    needMet(at: string, code: string) {
      intake(at, { type: 'NeedMet', data: { beneficiaryId, code, metAt: at } });
      return builder;
    },
    profileRecorded(at: string, profile: { languages?: ('arabic' | 'french')[] } = { languages: ['arabic'] }) {
      intake(at, { type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile, recordedAt: at } });
      return builder;
    },
    consentGiven(at: string, purpose: 'services' | 'sharing' | 'statistics') {
      intake(at, { type: 'ConsentGiven', data: { beneficiaryId, purpose, at, actor: by(cellId) } });
      return builder;
    },
    consentWithdrawn(at: string, purpose: 'services' | 'sharing' | 'statistics') {
      intake(at, { type: 'ConsentWithdrawn', data: { beneficiaryId, purpose, at, actor: by(cellId) } });
      return builder;
    },
    followUpScheduled(at: string, followUpId: string, dueDate: string) {
      intake(at, { type: 'FollowUpScheduled', data: { beneficiaryId, followUpId, dueDate, scheduledAt: at, note: 'Call her brother Karim first' } });
      return builder;
    },
    followUpRecorded(at: string, followUpId: string, outcome: 'held' | 'missed' | 'cancelled') {
      intake(at, { type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome, recordedAt: at } });
      return builder;
    },
    transferred(requestedAt: string, acceptedAt: string, toCellId: string) {
      const transfer = { beneficiaryId, transferId: randomUUID(), fromCellId: cellId, toCellId };
      intake(requestedAt, { type: 'TransferRequested', data: { ...transfer, reason: 'moved', requestedAt } });
      intake(acceptedAt, { type: 'TransferAccepted', data: { ...transfer, acceptedAt } }, toCellId);
      cellId = toCellId;
      return builder;
    },
    /** A transfer asked and left pending (decided by `transferAccepted` or `transferDeclined`). */
    transferRequested(at: string, toCellId: string) {
      pendingTransfer = { transferId: randomUUID(), fromCellId: cellId, toCellId };
      transferIds.push(pendingTransfer.transferId);
      intake(at, { type: 'TransferRequested', data: { beneficiaryId, ...pendingTransfer, reason: 'moved', requestedAt: at } });
      return builder;
    },
    transferAccepted(at: string) {
      const transfer = pendingTransfer!;
      intake(at, { type: 'TransferAccepted', data: { beneficiaryId, ...transfer, acceptedAt: at } }, transfer.toCellId);
      cellId = transfer.toCellId;
      pendingTransfer = undefined;
      return builder;
    },
    transferDeclined(at: string) {
      const transfer = pendingTransfer!;
      intake(at, { type: 'TransferDeclined', data: { beneficiaryId, ...transfer, declinedAt: at } }, transfer.toCellId);
      pendingTransfer = undefined;
      return builder;
    },
    closed(at: string, reason: 'resolved' | 'unreachable' = 'resolved') {
      intake(at, { type: 'CaseClosed', data: { beneficiaryId, reason, closedAt: at } });
      return builder;
    },
    reopened(at: string) {
      intake(at, { type: 'CaseReopened', data: { beneficiaryId, reopenedAt: at } });
      return builder;
    },
    referralSent(at: string, partnerId: string, need: string, { override = false, answerDueBy = '2026-08-30T00:00:00.000Z' } = {}) {
      const referralId = randomUUID();
      referralIds.push(referralId);
      referral(at, referralId, {
        type: 'ReferralSent',
        data: {
          referralId,
          beneficiaryId,
          cellId,
          partnerId,
          need,
          note: 'She asked us to call Mr Haddou at the agency',
          ...(override ? { consentOverride: { reason: 'Her lawyer Maître Alami asked for it', by: by(cellId) } } : {}),
          answerDueBy,
          sentAt: at,
          by: by(cellId),
        },
      });
      return builder;
    },
    referralDeclined(at: string, reason: 'no_capacity' | 'out_of_scope', referralId = referralIds[referralIds.length - 1]!) {
      referral(at, referralId, { type: 'ReferralDeclined', data: { referralId, reason, declinedAt: at, by: 'partner' } });
      return builder;
    },
    referralAccepted(at: string, referralId = referralIds[referralIds.length - 1]!) {
      referral(at, referralId, { type: 'ReferralAccepted', data: { referralId, acceptedAt: at, by: 'partner' } });
      return builder;
    },
    referralCompleted(at: string, outcome: 'resolved' | 'not_resolved', referralId = referralIds[referralIds.length - 1]!) {
      referral(at, referralId, { type: 'ReferralCompleted', data: { referralId, outcome, completedAt: at, by: by(cellId) } });
      return builder;
    },
    referralRevoked(at: string, reason: 'sent_in_error' | 'case_closed' = 'sent_in_error', referralId = referralIds[referralIds.length - 1]!) {
      referral(at, referralId, { type: 'ReferralRevoked', data: { referralId, reason, revokedAt: at, by: by(cellId) } });
      return builder;
    },
    /** The referral follows the case to `toCellId` (after `transferred`): as referral reacts to intake's TransferAccepted. */
    referralMoved(at: string, fromCellId: string, toCellId: string, referralId = referralIds[referralIds.length - 1]!) {
      referral(at, referralId, { type: 'ReferralMoved', data: { referralId, transferId: randomUUID(), fromCellId, toCellId, movedAt: at, by: 'system:referral' } });
      return builder;
    },
    /** An event of a kind this build does not know, in a stream it does not know. */
    unknownEvent(at: string, type = 'WorkshopAttended', stream = `training-${randomUUID()}`) {
      steps.push({ stream, event: async () => ({ id: randomUUID(), type, schemaVersion: 1, data: { workshop: 'digital-skills' }, metadata: metadata(at, cellId) }) });
      return builder;
    },
    /** Appends every step, in order, one append each. */
    async appendTo(store: Pick<EventStore, 'appendToStream'>) {
      for (const step of steps) await store.appendToStream(step.stream, [await step.event()], { expectedRevision: 'any' });
      return builder;
    },
  };
  return builder;
};

/**
 * The journey the specs replay: registered at Oujda as a returnee, a need assessed, a referral
 * declined, a second one accepted and completed, consent to sharing withdrawn, a follow-up,
 * a transfer to Nador, and closed.
 */
export const theScenario = (beneficiaryId?: string) =>
  aJourney(beneficiaryId)
    .registered('2026-07-01T09:00:00.000Z', { cellId: 'oujda', category: 'returnee' })
    .needsAssessed('2026-07-01T09:30:00.000Z', [{ code: 'vocational_training_employment', priority: 'high' }, { code: 'legal_aid', priority: 'medium' }])
    .referralSent('2026-07-02T10:00:00.000Z', 'anapec-oriental', 'vocational_training_employment')
    .referralDeclined('2026-07-05T14:00:00.000Z', 'no_capacity')
    .referralSent('2026-07-10T10:00:00.000Z', 'ofppt-oujda', 'vocational_training_employment', { override: true })
    .referralAccepted('2026-07-11T08:00:00.000Z')
    .followUpScheduled('2026-07-12T09:00:00.000Z', '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', '2026-07-20')
    .consentWithdrawn('2026-07-15T11:00:00.000Z', 'sharing')
    .referralCompleted('2026-07-25T16:00:00.000Z', 'resolved')
    .needMet('2026-07-25T16:30:00.000Z', 'vocational_training_employment')
    .transferred('2026-08-01T09:00:00.000Z', '2026-08-02T10:00:00.000Z', 'nador')
    .closed('2026-08-20T12:00:00.000Z');
