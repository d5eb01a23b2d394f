import { randomUUID } from 'node:crypto';
import { IntegrationEvent } from '@oriental/contracts';
import { createReadStore, LaneCounts, ReadStore } from '@oriental/read-store';
import { NETWORK_BENEFICIARIES, NETWORK_COUNTS, NetworkReportProjection } from '../src/network-report/network-report.projection';

/** Builds one beneficiary's intake integration events, in stream order, as the bus carries them. */
const caseOf = (cellId: string, category: 'mre' | 'returnee' | 'rpt' = 'mre') => {
  const beneficiaryId = randomUUID();
  const stream = `beneficiary-${beneficiaryId}`;
  let revision = 0;
  const at = (minute: number) => `2026-07-15T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const event = (type: string, data: object, cell = cellId): IntegrationEvent => {
    const current = revision++;
    return {
      id: randomUUID(),
      type,
      schemaVersion: 1,
      source: { stream, revision: current, position: String(++position) },
      beneficiaryId,
      cellId: cell,
      occurredAt: at(current),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'agent:test',
      data: { beneficiaryId, ...data },
    };
  };
  const transfer = (from: string, to: string) => ({ transferId: randomUUID(), fromCellId: from, toCellId: to });
  return {
    beneficiaryId,
    registered: () =>
      event('BeneficiaryRegistered', {
        cellId,
        category,
        sex: 'female',
        ageBand: '25-34',
        nationality: 'MA',
        consent: { services: true, sharing: true, statistics: true },
        registeredAt: at(0),
        profile: {},
      }),
    needsAssessed: () => event('NeedsAssessed', { needs: [{ code: 'legal_aid', priority: 'high' }], assessedAt: at(revision) }),
    transferRequested: (to: string) => event('TransferRequested', { ...transfer(cellId, to), reason: 'moved', requestedAt: at(revision) }),
    transferAccepted: (from: string, to: string) => event('TransferAccepted', { ...transfer(from, to), acceptedAt: at(revision) }, to),
    closed: (cell: string) => event('CaseClosed', { reason: 'resolved', closedAt: at(revision) }, cell),
    reopened: (cell: string) => event('CaseReopened', { reopenedAt: at(revision) }, cell),
  };
};
let position = 0;

describe('the network report projection', () => {
  let store: ReadStore;
  let projection: NetworkReportProjection;

  beforeEach(async () => {
    store = await createReadStore({ kind: 'memory' });
    projection = new NetworkReportProjection(store);
  });

  afterEach(() => store.close());

  describe('when a case is transferred', () => {
    it('credits the registration to the registering cell and moves the open case to the receiving cell', async () => {
      const transferred = caseOf('oujda', 'returnee');
      const stays = caseOf('oujda');
      await projection.applyBatch('p0', [
        transferred.registered(),
        stays.registered(),
        transferred.needsAssessed(),
        transferred.transferRequested('nador'),
        transferred.transferAccepted('oujda', 'nador'),
      ]);

      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 2, byCell: { oujda: 2 }, byCategory: { mre: 1, returnee: 1 } },
        caseload: { open: 2, byCell: { oujda: 1, nador: 1 } },
      });
    });

    it('counts the transfer once when its batch is delivered again, whole or in part', async () => {
      const beneficiary = caseOf('oujda');
      const events = [beneficiary.registered(), beneficiary.transferRequested('nador'), beneficiary.transferAccepted('oujda', 'nador')];
      await projection.applyBatch('p0', events);
      await projection.applyBatch('p0', events);
      await projection.applyBatch('p0', events.slice(1));
      await projection.applyBatch('p0', [events[2]!, events[2]!]);

      expect((await projection.figures()).caseload).toEqual({ open: 1, byCell: { nador: 1 } });
      expect((await projection.figures()).beneficiaries.byCell).toEqual({ oujda: 1 });
    });

    it('counts it once when older events come back after newer ones, on its own lane or another (a rebalance)', async () => {
      const beneficiary = caseOf('oujda');
      const [registered, requested, accepted] = [beneficiary.registered(), beneficiary.transferRequested('nador'), beneficiary.transferAccepted('oujda', 'nador')];
      await projection.applyBatch('p0', [registered, requested, accepted]);
      // Out of order: the acceptance first, then the registration, then everything, on two lanes.
      await projection.applyBatch('p0', [accepted]);
      await projection.applyBatch('p0', [registered]);
      await projection.applyBatch('p1', [requested, registered, accepted]);
      await projection.applyBatch('p1', [accepted, registered]);

      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 1, byCell: { oujda: 1 }, byCategory: { mre: 1 } },
        caseload: { open: 1, byCell: { nador: 1 } },
      });
    });

    it('follows a case through two transfers, a closure and a reopening', async () => {
      const beneficiary = caseOf('oujda');
      await projection.applyBatch('p0', [beneficiary.registered(), beneficiary.transferAccepted('oujda', 'nador')]);
      await projection.applyBatch('p0', [beneficiary.closed('nador')]);
      expect((await projection.figures()).caseload).toEqual({ open: 0, byCell: {} });

      await projection.applyBatch('p0', [beneficiary.reopened('nador'), beneficiary.transferAccepted('nador', 'berkane')]);
      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 1, byCell: { oujda: 1 }, byCategory: { mre: 1 } },
        caseload: { open: 1, byCell: { berkane: 1 } },
      });
    });
  });

  describe('when a case is closed', () => {
    it('leaves the caseload and keeps its registration, once however often the closure is delivered', async () => {
      const closed = caseOf('berkane');
      const open = caseOf('berkane');
      const events = [closed.registered(), open.registered(), closed.closed('berkane')];
      await projection.applyBatch('p0', events);
      await projection.applyBatch('p0', [events[2]!]);
      await projection.applyBatch('p0', events);

      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 2, byCell: { berkane: 2 }, byCategory: { mre: 2 } },
        caseload: { open: 1, byCell: { berkane: 1 } },
      });
    });
  });

  it('ignores the intake events it does not report on', async () => {
    const beneficiary = caseOf('oujda');
    await projection.applyBatch('p0', [beneficiary.registered()]);
    expect(await projection.applyBatch('p0', [beneficiary.needsAssessed(), beneficiary.transferRequested('nador')])).toEqual({ applied: 0 });
  });

  it('counts nothing for a case whose registration it never received', async () => {
    const beneficiary = caseOf('oujda');
    beneficiary.registered();
    await projection.applyBatch('p0', [beneficiary.transferAccepted('oujda', 'nador'), beneficiary.closed('nador')]);
    expect(await projection.figures()).toEqual({ beneficiaries: { total: 0, byCell: {}, byCategory: {} }, caseload: { open: 0, byCell: {} } });
  });

  describe('on a read store written before the report followed transfers', () => {
    /** Documents and counters as the previous version wrote them: registrations only, no caseload. */
    const seedPreviousVersion = async (cells: string[]) => {
      const documents = store.collection<object>(NETWORK_BENEFICIARIES);
      const counts: Record<string, number> = { total: cells.length };
      for (const [index, cellId] of cells.entries()) {
        const beneficiaryId = randomUUID();
        const data = { beneficiaryId, cellId, category: 'mre', sex: 'male', ageBand: '25-34', nationality: 'MA', statisticsConsent: true, registeredAt: '2026-07-01T09:00:00.000Z' };
        await documents.write(beneficiaryId, data, { expectedVersion: 0, checkpoint: { [`beneficiary-${beneficiaryId}`]: 0 } });
        counts[`cell:${cellId}`] = (counts[`cell:${cellId}`] ?? 0) + 1;
        counts['category:mre'] = index + 1;
      }
      await store.collection<LaneCounts>(NETWORK_COUNTS).write('p0', { position: '0', counts }, { expectedVersion: 0 });
    };

    it('counts their caseload once at boot, then follows them like any other', async () => {
      await seedPreviousVersion(['oujda', 'oujda', 'nador']);
      expect(await projection.countCaseloadAtUpgrade()).toBe(3);
      expect(await new NetworkReportProjection(store).countCaseloadAtUpgrade()).toBe(0);
      expect((await projection.figures()).caseload).toEqual({ open: 3, byCell: { oujda: 2, nador: 1 } });

      const newcomer = caseOf('oujda');
      await projection.applyBatch('p0', [newcomer.registered(), newcomer.transferAccepted('oujda', 'nador')]);
      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 4, byCell: { oujda: 3, nador: 1 }, byCategory: { mre: 4 } },
        caseload: { open: 4, byCell: { oujda: 2, nador: 2 } },
      });
    });

    it('counts nothing on a store that already counts the caseload', async () => {
      const beneficiary = caseOf('oujda');
      await projection.applyBatch('p0', [beneficiary.registered()]);
      expect(await projection.countCaseloadAtUpgrade()).toBe(0);
      expect((await projection.figures()).caseload).toEqual({ open: 1, byCell: { oujda: 1 } });
    });
  });
});
