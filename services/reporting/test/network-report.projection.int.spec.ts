import { randomUUID } from 'node:crypto';
import { IntegrationEvent, Topics } from '@oriental/contracts';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { loadReferenceData } from '@oriental/reference-data';
import { overduePeriod, Period } from '../src/indicators/dated-counts';
import type { ReportQuery } from '../src/indicators/report-query';
import { followUpsReportOf } from '../src/network-report/follow-ups-report.query';
import { needsReportOf } from '../src/network-report/needs-report.query';
import { NETWORK_BENEFICIARIES, NETWORK_DATED_COUNTS, NetworkCase, NetworkReportProjection } from '../src/network-report/network-report.projection';
import { networkReportOf } from '../src/network-report/network-report.query';
import { transfersReportOf } from '../src/network-report/transfers-report.query';
import { aJourney } from './journey-events';
import { ofTopic, publishedEventsOf } from './published-events';

const referenceData = loadReferenceData();
const asked = (query: Partial<ReportQuery> = {}): ReportQuery => ({ period: {}, audience: 'internal', format: 'json', ...query });

/**
 * Three cases, given as intake stores them and published as the bus carries them:
 * - A, an MRE woman registered at Oujda on 2 March, two needs that day, received again on
 *   10 March (a need assessed again, her profile recorded) and 20 March (a follow-up held), a
 *   second follow-up never recorded, a transfer to Nador asked and declined;
 * - B, an RPT man from Senegal registered at Nador on 5 March, transferred to Berkane, a
 *   follow-up due on 28 March, closed on 1 April and reopened (received again) on 15 April;
 * - C, a returnee registered at Oujda on 3 April who gave no consent to statistics, a transfer to
 *   Figuig pending.
 */
const scenario = () => {
  const a = aJourney()
    .registered('2026-03-02T09:00:00.000Z', { cellId: 'oujda', category: 'mre', sex: 'female', birthYear: 1988, nationality: 'MA' })
    .needsAssessed('2026-03-02T09:30:00.000Z', [
      { code: 'health', priority: 'high' },
      { code: 'legal_aid', priority: 'medium' },
    ])
    .needsAssessed('2026-03-10T10:00:00.000Z', [{ code: 'health', priority: 'low' }])
    .profileRecorded('2026-03-10T10:30:00.000Z')
    .needMet('2026-03-15T10:00:00.000Z', 'legal_aid')
    .followUpScheduled('2026-03-10T11:00:00.000Z', randomUUID(), '2026-03-20');
  const heldFollowUp = randomUUID();
  a.followUpScheduled('2026-03-10T11:05:00.000Z', heldFollowUp, '2026-03-20')
    .followUpRecorded('2026-03-20T09:00:00.000Z', heldFollowUp, 'held')
    .transferRequested('2026-03-21T09:00:00.000Z', 'nador')
    .transferDeclined('2026-03-22T09:00:00.000Z');
  const b = aJourney()
    .registered('2026-03-05T09:00:00.000Z', { cellId: 'nador', category: 'rpt', sex: 'male', birthYear: 2000, nationality: 'SN' })
    .transferRequested('2026-03-06T09:00:00.000Z', 'berkane')
    .transferAccepted('2026-03-07T09:00:00.000Z')
    .followUpScheduled('2026-03-08T09:00:00.000Z', randomUUID(), '2026-03-28')
    .closed('2026-04-01T09:00:00.000Z')
    .reopened('2026-04-15T09:00:00.000Z');
  const c = aJourney()
    .registered('2026-04-03T09:00:00.000Z', { cellId: 'oujda', category: 'returnee', sex: 'female', birthYear: 1960, nationality: 'MA', consent: { services: true, sharing: false, statistics: false } })
    .transferRequested('2026-04-05T09:00:00.000Z', 'figuig');
  return [a, b, c];
};

describe('the network report projection', () => {
  let store: ReadStore;
  let projection: NetworkReportProjection;
  let events: IntegrationEvent[];
  const network = async (query: Partial<ReportQuery> = {}) => networkReportOf(await projection.counts(query.period), asked(query), referenceData);

  beforeAll(async () => {
    events = ofTopic(await publishedEventsOf(...scenario()), Topics.intake);
  });

  beforeEach(async () => {
    store = await createReadStore({ kind: 'memory' });
    projection = new NetworkReportProjection(store);
  });

  afterEach(() => store.close());

  describe('given the three cases, delivered once in log order', () => {
    beforeEach(async () => {
      await projection.applyBatch(Topics.intake, events);
    });

    it('counts people received for the first time by the registering cell, its commune, province and region, and by category, sex, age band and nationality', async () => {
      expect((await network()).beneficiaries).toEqual({
        total: 3,
        byCell: { nador: 1, oujda: 2 },
        byCommune: { nador: 1, oujda: 2 },
        byProvince: { nador: 1, 'oujda-angad': 2 },
        byRegion: { oriental: 3 },
        byCategory: { mre: 1, returnee: 1, rpt: 1 },
        bySex: { female: 2, male: 1 },
        byAgeBand: { '25-34': 1, '35-44': 1, '60+': 1 },
        byNationality: { MA: 2, SN: 1 },
      });
    });

    it('counts a return once a day, by the cell that received them, never on the registration day', async () => {
      const { returning } = await network();
      // A on 10 March (a need and her profile: once) and 20 March (a follow-up held); B on 15 April, at Berkane since its transfer.
      expect(returning).toMatchObject({ total: 3, byCell: { berkane: 1, oujda: 2 }, byCategory: { mre: 2, rpt: 1 }, bySex: { female: 2, male: 1 } });
    });

    it('keeps the open caseload by the cell each case belongs to now', async () => {
      expect((await network()).caseload).toEqual({ open: 3, byCell: { berkane: 1, oujda: 2 } });
    });

    it('answers a period from the days and months it covers: a whole month, ragged ends, an open end', async () => {
      const march = await network({ period: { from: '2026-03-01', to: '2026-03-31' } });
      expect([march.beneficiaries.total, march.returning.total, march.caseload]).toEqual([2, 2, { open: 2, byCell: { berkane: 1, oujda: 1 } }]);
      const ragged = await network({ period: { from: '2026-03-06', to: '2026-04-10' } });
      expect([ragged.beneficiaries.byCell, ragged.returning.total]).toEqual([{ oujda: 1 }, 2]);
      const upToMarch = await network({ period: { to: '2026-03-31' } });
      expect(upToMarch.beneficiaries.byCell).toEqual({ nador: 1, oujda: 1 });
      const sinceApril = await network({ period: { from: '2026-04-01' } });
      expect([sinceApril.beneficiaries.byCell, sinceApril.returning.byCell]).toEqual([{ oujda: 1 }, { berkane: 1 }]);
      const nothing = await network({ period: { from: '2025-01-01', to: '2025-12-31' } });
      expect([nothing.beneficiaries.total, nothing.returning.total, nothing.caseload.open]).toEqual([0, 0, 0]);
    });

    it('filters by cell, by province and by category', async () => {
      expect((await network({ cellId: 'oujda' })).beneficiaries.total).toBe(2);
      expect((await network({ province: 'nador' })).beneficiaries.byCell).toEqual({ nador: 1 });
      // The province filter keeps the open case where it is now: Berkane, not Nador.
      expect((await network({ province: 'berkane' })).caseload).toEqual({ open: 1, byCell: { berkane: 1 } });
      expect((await network({ category: 'mre' })).beneficiaries.byCell).toEqual({ oujda: 1 });
    });

    it('counts needs on the day and at the cell they were first identified, at their latest priority, and those met', async () => {
      const { needs } = needsReportOf(await projection.counts(), asked(), referenceData);
      expect(needs).toEqual({
        identified: { total: 2, byCode: { health: 1, legal_aid: 1 }, byPriority: { low: 1, medium: 1 }, byCell: { oujda: 2 }, byProvince: { 'oujda-angad': 2 }, byCategory: { mre: 2 } },
        met: { total: 1, byCode: { legal_aid: 1 } },
        open: 1,
      });
      const april = needsReportOf(await projection.counts({ from: '2026-04-01' }), asked(), referenceData);
      expect(april.needs.identified.total).toBe(0);
    });

    it('counts follow-ups by due date: recorded, pending on open cases, and overdue before today', async () => {
      const followUps = async (period: Period, now: string) => {
        const late = overduePeriod(period, new Date(now));
        return followUpsReportOf(await projection.counts(period), late ? await projection.counts(late) : new Map(), asked({ period }), referenceData).followUps;
      };
      // B's follow-up: closed on 1 April (not pending while closed), reopened on 15 April.
      expect(await followUps({}, '2026-05-01T12:00:00.000Z')).toEqual({
        due: 3,
        recorded: { held: 1 },
        pending: 2,
        overdue: 2,
        byCell: { berkane: { due: 1, pending: 1, overdue: 1 }, oujda: { due: 2, pending: 1, overdue: 1 } },
        byProvince: { berkane: { due: 1, pending: 1, overdue: 1 }, 'oujda-angad': { due: 2, pending: 1, overdue: 1 } },
      });
      // On 21 March only the ones due on 20 March are late; a period after today has none late.
      expect((await followUps({}, '2026-03-21T08:00:00.000Z')).overdue).toBe(1);
      expect((await followUps({ from: '2026-03-25' }, '2026-05-01T12:00:00.000Z')).overdue).toBe(1);
      expect((await followUps({ from: '2026-06-01' }, '2026-05-01T12:00:00.000Z')).overdue).toBe(0);
    });

    it('counts transfers into and out of each cell on the day they were asked, by where they stand', async () => {
      const { transfers } = transfersReportOf(await projection.counts(), asked(), referenceData);
      const flow = (total: number, pending: number, accepted: number, declined: number) => ({ total, pending, accepted, declined });
      expect(transfers).toEqual({
        in: flow(3, 1, 1, 1),
        out: flow(3, 1, 1, 1),
        byCell: {
          berkane: { in: flow(1, 0, 1, 0), out: flow(0, 0, 0, 0) },
          figuig: { in: flow(1, 1, 0, 0), out: flow(0, 0, 0, 0) },
          nador: { in: flow(1, 0, 0, 1), out: flow(1, 0, 1, 0) },
          oujda: { in: flow(0, 0, 0, 0), out: flow(2, 1, 0, 1) },
        },
        byProvince: {
          berkane: { in: flow(1, 0, 1, 0), out: flow(0, 0, 0, 0) },
          figuig: { in: flow(1, 1, 0, 0), out: flow(0, 0, 0, 0) },
          nador: { in: flow(1, 0, 0, 1), out: flow(1, 0, 1, 0) },
          'oujda-angad': { in: flow(0, 0, 0, 0), out: flow(2, 1, 0, 1) },
        },
      });
      expect(transfersReportOf(await projection.counts(), asked({ cellId: 'oujda' }), referenceData).transfers).toMatchObject({ in: flow(0, 0, 0, 0), out: flow(2, 1, 0, 1) });
    });

    it('keeps the first figures of the network report for the hub: all time, exact', async () => {
      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 3, byCell: { nador: 1, oujda: 2 }, byCategory: { mre: 1, returnee: 1, rpt: 1 } },
        caseload: { open: 3, byCell: { berkane: 1, oujda: 2 } },
      });
    });
  });

  describe('under redelivery', () => {
    const everything = async (p: NetworkReportProjection) => ({
      network: networkReportOf(await p.counts(), asked(), referenceData),
      march: networkReportOf(await p.counts({ from: '2026-03-01', to: '2026-03-31' }), asked(), referenceData),
      needs: needsReportOf(await p.counts(), asked(), referenceData),
      transfers: transfersReportOf(await p.counts(), asked(), referenceData),
      documents: (await store.collection<NetworkCase>(NETWORK_BENEFICIARIES).find()).map(({ id, data, checkpoint }) => ({ id, data, checkpoint })),
    });
    let once: Awaited<ReturnType<typeof everything>>;

    beforeEach(async () => {
      await projection.applyBatch(Topics.intake, events);
      once = await everything(projection);
      await store.close();
      store = await createReadStore({ kind: 'memory' });
      projection = new NetworkReportProjection(store);
    });

    it('counts each event once when batches come again, whole or in part, straddling each other', async () => {
      for (let start = 0; start < events.length; start += 4) await projection.applyBatch('p0', events.slice(start, start + 4));
      await projection.applyBatch('p0', events);
      for (let start = 1; start < events.length; start += 5) await projection.applyBatch('p0', events.slice(start, start + 5));
      await projection.applyBatch('p0', [events[3]!, events[3]!, events[7]!]);
      expect(await everything(projection)).toEqual(once);
    });

    it('counts each event once when older events come back after newer ones, on their lane or another (a rebalance)', async () => {
      await projection.applyBatch('p0', events);
      // Out of order: the log backwards, one event at a time, on another lane; then a middle slice on the first.
      for (const event of [...events].reverse()) await projection.applyBatch('p1', [event]);
      await projection.applyBatch('p0', events.slice(5, 12));
      expect(await everything(projection)).toEqual(once);
    });

    it('gives the same figures when each case comes on a lane of its own, in any interleaving', async () => {
      const byCase = new Map<string, IntegrationEvent[]>();
      for (const event of events) byCase.set(event.beneficiaryId!, [...(byCase.get(event.beneficiaryId!) ?? []), event]);
      const lanes = [...byCase.values()].reverse();
      // One event of each lane in turn: the log's global order is lost, each stream's kept.
      for (let step = 0; lanes.some((lane) => lane.length > step); step++) {
        for (const [index, lane] of lanes.entries()) if (lane[step]) await projection.applyBatch(`p${index}`, [lane[step]!]);
      }
      expect(await everything(projection)).toEqual(once);
    });
  });

  it('ignores the intake events it does not report on, and counts nothing for a case whose registration it never received', async () => {
    const unregistered = events.filter((event) => event.beneficiaryId === events[0]!.beneficiaryId && event.type !== 'BeneficiaryRegistered');
    await projection.applyBatch('p0', unregistered);
    expect((await network()).beneficiaries.total).toBe(0);
    expect(await projection.figures()).toEqual({ beneficiaries: { total: 0, byCell: {}, byCategory: {} }, caseload: { open: 0, byCell: {} } });
    const erased = { ...events[0]!, id: randomUUID(), type: 'PersonalDataErased', source: { ...events[0]!.source, revision: 99, position: '999' } };
    expect(await projection.applyBatch('p0', [erased])).toEqual({ applied: 0 });
  });

  describe('on a read store written before the report kept dated counters', () => {
    /** Documents and all-time lane counters as the previous version wrote them. */
    const seedPreviousVersion = async (cells: string[]) => {
      const documents = store.collection<object>(NETWORK_BENEFICIARIES);
      for (const cellId of cells) {
        const beneficiaryId = randomUUID();
        const data = { beneficiaryId, cellId, category: 'mre', sex: 'male', ageBand: '25-34', nationality: 'MA', statisticsConsent: true, registeredAt: '2026-07-01T09:00:00.000Z', currentCellId: cellId, open: true };
        await documents.write(beneficiaryId, data, { expectedVersion: 0, checkpoint: { [`beneficiary-${beneficiaryId}`]: 0 } });
      }
      await store.collection<object>('reporting_network_counts').write('p0', { position: '0', counts: { total: cells.length } }, { expectedVersion: 0 });
    };

    it('counts their documents once at boot, drops the old counters, then follows them like any other', async () => {
      await seedPreviousVersion(['oujda', 'oujda', 'nador']);
      expect(await projection.countAtUpgrade()).toBe(3);
      expect(await new NetworkReportProjection(store).countAtUpgrade()).toBe(0);
      expect(await store.collection<object>('reporting_network_counts').count()).toBe(0);
      expect((await network({ period: { from: '2026-07-01', to: '2026-07-01' } })).beneficiaries.byCell).toEqual({ nador: 1, oujda: 2 });

      await projection.applyBatch('p0', events);
      expect(await projection.figures()).toEqual({
        beneficiaries: { total: 6, byCell: { nador: 2, oujda: 4 }, byCategory: { mre: 4, returnee: 1, rpt: 1 } },
        caseload: { open: 6, byCell: { berkane: 1, nador: 1, oujda: 4 } },
      });
    });

    it('counts nothing on a store that already keeps them', async () => {
      await projection.applyBatch('p0', events);
      const before = await store.collection<object>(NETWORK_DATED_COUNTS).count();
      expect(await projection.countAtUpgrade()).toBe(0);
      expect(await store.collection<object>(NETWORK_DATED_COUNTS).count()).toBe(before);
    });
  });
});
