import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrationEvent } from '@oriental/contracts';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { BeneficiaryCaseProjection } from '../src/beneficiary-case/beneficiary-case.projection';
import { PartnerDirectoryProjection } from '../src/partner-directory/partner-directory.projection';
import { ReferralListProjection } from '../src/referral-list/referral-list.projection';

/**
 * The read models on a real (embedded) read store, fed as the bus feeds them: batches of a lane,
 * redelivered whole or in part, an old batch arriving after newer ones.
 */
let position = 0;
const eventOf = (stream: string, revision: number, type: string, data: object, envelope: Partial<IntegrationEvent> = {}): IntegrationEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  source: { stream, revision, position: String(++position) },
  occurredAt: '2026-07-15T09:30:00.000Z',
  correlationId: 'c',
  causationId: 'c',
  actor: 'agent:oujda-1',
  ...envelope,
  data,
});

describe('referral read models under redelivery', () => {
  let dir: string;
  let store: ReadStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'referral-read-models-'));
    store = await createReadStore({ kind: 'memory', file: join(dir, 'referral.read-models.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('referral list', () => {
    const referralId = randomUUID();
    const beneficiaryId = randomUUID();
    const stream = `referral-${referralId}`;
    const history = () => {
      position = 0;
      return [
        eventOf(stream, 0, 'ReferralSent', {
          referralId,
          beneficiaryId,
          cellId: 'oujda',
          partnerId: 'chr-al-farabi',
          need: 'health',
          consentOverridden: false,
          answerDueBy: '2026-07-20T09:30:00.000Z',
          sentAt: '2026-07-15T09:30:00.000Z',
        }),
        eventOf(stream, 1, 'ReferralFlagged', { referralId, reason: 'consent_withdrawn', flaggedAt: '2026-07-16T09:30:00.000Z' }),
        eventOf(stream, 2, 'ReferralMoved', { referralId, fromCellId: 'oujda', toCellId: 'nador', movedAt: '2026-07-17T09:30:00.000Z' }),
        eventOf(stream, 3, 'ReferralAccepted', { referralId, acceptedAt: '2026-07-18T09:30:00.000Z' }),
      ];
    };
    const expected = {
      referralId,
      beneficiaryId,
      cellId: 'nador',
      partnerId: 'chr-al-farabi',
      need: 'health',
      status: 'accepted',
      flags: ['consent_withdrawn'],
      flagged: true,
      consentOverridden: false,
      sentAt: '2026-07-15T09:30:00.000Z',
      answerDueBy: '2026-07-20T09:30:00.000Z',
      answeredAt: '2026-07-18T09:30:00.000Z',
      awaitingAnswerAt: null,
      updatedAt: '2026-07-18T09:30:00.000Z',
    };

    it('applies each event once however often a batch is delivered', async () => {
      const projection = new ReferralListProjection(store);
      const events = history();
      expect(await projection.applyBatch('p0', events)).toEqual({ applied: 4 });
      expect(await projection.applyBatch('p0', events)).toEqual({ applied: 0 });
      expect(await projection.applyBatch('p0', [...events.slice(1, 3), ...events.slice(1, 3)])).toEqual({ applied: 0 });
      expect((await projection.documents.get(referralId))!.data).toEqual(expected);
    });

    it('ignores an old batch delivered after newer ones (a retry from an older offset)', async () => {
      const projection = new ReferralListProjection(store);
      const events = history();
      await projection.applyBatch('p0', events.slice(0, 2));
      await projection.applyBatch('p0', events.slice(2));
      expect(await projection.applyBatch('p0', events.slice(0, 3))).toEqual({ applied: 0 });
      expect((await projection.documents.get(referralId))!.data).toEqual(expected);
    });

    it('keeps the overdue index to the cell awaiting an answer, through a move and an answer', async () => {
      const projection = new ReferralListProjection(store);
      const events = history();
      await projection.applyBatch('p0', events.slice(0, 1));
      const late = new Date('2026-07-21T00:00:00.000Z');
      expect((await projection.overdue('oujda', late)).map((r) => r.referralId)).toEqual([referralId]);
      await projection.applyBatch('p0', events.slice(1, 3));
      expect(await projection.overdue('oujda', late)).toEqual([]);
      expect((await projection.overdue('nador', late)).map((r) => r.referralId)).toEqual([referralId]);
      await projection.applyBatch('p0', events.slice(3));
      expect(await projection.overdue('nador', late)).toEqual([]);
      expect((await projection.list({ cellId: 'nador' })).map((r) => r.status)).toEqual(['accepted']);
    });
  });

  describe('partner directory', () => {
    const listing = (needs: string[], provinces: string[]) => ({ partnerId: 'ngo-x', name: 'ONG X', kind: 'ngo', needs, provinces, responseDelayDays: 5 });
    const history = () => {
      position = 0;
      return [
        eventOf('partner-ngo-x', 0, 'PartnerRegistered', { ...listing(['housing', 'health'], ['nador']), registeredAt: '2026-07-15T09:30:00.000Z' }),
        eventOf('partner-ngo-x', 1, 'PartnerUpdated', { ...listing(['housing'], ['nador', 'berkane']), updatedAt: '2026-07-16T09:30:00.000Z' }),
      ];
    };
    const ids = async (projection: PartnerDirectoryProjection, filter: { need?: string; province?: string }) => (await projection.search(filter)).map((p) => p.partnerId);

    it('finds a partner by what it covers now, not by what it covered once', async () => {
      const projection = new PartnerDirectoryProjection(store);
      const events = history();
      await projection.applyBatch('p0', events.slice(0, 1));
      expect(await ids(projection, { need: 'health', province: 'nador' })).toEqual(['ngo-x']);
      await projection.applyBatch('p0', events.slice(1));
      expect(await ids(projection, { need: 'health', province: 'nador' })).toEqual([]);
      expect(await ids(projection, { need: 'health' })).toEqual([]);
      expect(await ids(projection, { need: 'housing', province: 'berkane' })).toEqual(['ngo-x']);
      expect(await ids(projection, { province: 'berkane' })).toEqual(['ngo-x']);
    });

    it('is unchanged by a redelivered or older batch', async () => {
      const projection = new PartnerDirectoryProjection(store);
      const events = history();
      await projection.applyBatch('p0', events);
      expect(await projection.applyBatch('p0', events)).toEqual({ applied: 0 });
      expect(await projection.applyBatch('p0', events.slice(0, 1))).toEqual({ applied: 0 });
      expect(await ids(projection, { need: 'health' })).toEqual([]);
      expect((await projection.documents.get('ngo-x'))!.data.provinces).toEqual(['nador', 'berkane']);
    });
  });

  describe('beneficiary case', () => {
    const beneficiaryId = randomUUID();
    const stream = `beneficiary-${beneficiaryId}`;
    const history = () => {
      position = 0;
      return [
        eventOf(stream, 0, 'BeneficiaryRegistered', {
          beneficiaryId,
          cellId: 'oujda',
          category: 'mre',
          sex: 'female',
          ageBand: '35-44',
          nationality: 'MA',
          consent: { services: true, sharing: true, statistics: true },
          registeredAt: '2026-07-15T09:30:00.000Z',
          profile: {},
        }),
        eventOf(stream, 1, 'ConsentWithdrawn', { beneficiaryId, purpose: 'sharing', at: '2026-07-16T09:30:00.000Z' }),
        eventOf(stream, 2, 'TransferAccepted', { beneficiaryId, transferId: randomUUID(), fromCellId: 'oujda', toCellId: 'nador', acceptedAt: '2026-07-17T09:30:00.000Z' }),
        eventOf(stream, 3, 'CaseClosed', { beneficiaryId, reason: 'resolved', closedAt: '2026-07-18T09:30:00.000Z' }),
      ];
    };

    it('follows consent, transfer and closure, each once, and ignores an old batch', async () => {
      const projection = new BeneficiaryCaseProjection(store);
      const events = history();
      await projection.applyBatch('p0', events.slice(0, 2));
      expect(await projection.find(beneficiaryId)).toEqual({ beneficiaryId, cellId: 'oujda', sharing: false, status: 'open' });
      await projection.applyBatch('p0', events);
      await projection.applyBatch('p0', events.slice(0, 1));
      expect(await projection.find(beneficiaryId)).toEqual({ beneficiaryId, cellId: 'nador', sharing: false, status: 'closed' });
    });

    it('reads a document of the consent read model it replaces as an open case', async () => {
      await store.collection('referral_beneficiary_consents').write(beneficiaryId, { beneficiaryId, cellId: 'oujda', sharing: true }, { expectedVersion: 0, checkpoint: { [stream]: 0 } });
      const projection = new BeneficiaryCaseProjection(store);
      expect(await projection.find(beneficiaryId)).toEqual({ beneficiaryId, cellId: 'oujda', sharing: true, status: 'open' });
      await projection.applyBatch('p0', history());
      expect(await projection.find(beneficiaryId)).toMatchObject({ status: 'closed', sharing: false });
    });
  });
});
