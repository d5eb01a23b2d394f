import { IntegrationEvent, Topics } from '@oriental/contracts';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { loadReferenceData } from '@oriental/reference-data';
import { overduePeriod, Period } from '../src/indicators/dated-counts';
import type { ReportQuery } from '../src/indicators/report-query';
import { answerBinEnd, answerBinOf, BeneficiaryReferrals, REFERRAL_REPORT_DOCUMENTS, ReferralReportProjection } from '../src/referral-report/referral-report.projection';
import { referralsReportOf } from '../src/referral-report/referral-report.query';
import { aJourney } from './journey-events';
import { ofTopic, publishedEventsOf } from './published-events';

const referenceData = loadReferenceData();
const asked = (query: Partial<ReportQuery> = {}): ReportQuery => ({ period: {}, audience: 'internal', format: 'json', ...query });

/**
 * Five referrals of three cases, stored as intake and referral store them and published as the
 * bus carries them:
 * - A (an MRE at Oujda): to the regional hospital for health, accepted 5.5 hours later, completed;
 *   to ANAPEC for employment, declined after 48 hours;
 * - B (an RPT at Nador): to the regional hospital, never answered (due 11 March), the case then
 *   transferred to Berkane and the referral with it; from Berkane to the legal-aid network, revoked;
 * - C (a returnee at Oujda, no consent to statistics): to ANAPEC, accepted after 8 days.
 */
const scenario = () => [
  aJourney()
    .registered('2026-03-01T09:00:00.000Z', { cellId: 'oujda', category: 'mre' })
    .referralSent('2026-03-02T10:00:00.000Z', 'chr-al-farabi', 'health', { answerDueBy: '2026-03-07T10:00:00.000Z' })
    .referralAccepted('2026-03-02T15:30:00.000Z')
    .referralCompleted('2026-03-20T10:00:00.000Z', 'resolved')
    .referralSent('2026-03-03T10:00:00.000Z', 'anapec-oriental', 'vocational_training_employment', { answerDueBy: '2026-03-18T10:00:00.000Z' })
    .referralDeclined('2026-03-05T10:00:00.000Z', 'no_capacity'),
  aJourney()
    .registered('2026-03-01T10:00:00.000Z', { cellId: 'nador', category: 'rpt', sex: 'male', nationality: 'SN' })
    .referralSent('2026-03-04T10:00:00.000Z', 'chr-al-farabi', 'health', { answerDueBy: '2026-03-11T10:00:00.000Z' })
    .transferred('2026-03-05T09:00:00.000Z', '2026-03-06T09:00:00.000Z', 'berkane')
    .referralMoved('2026-03-06T09:00:01.000Z', 'nador', 'berkane')
    .referralSent('2026-03-06T10:00:00.000Z', 'legal-aid-oriental', 'legal_aid', { answerDueBy: '2026-03-13T10:00:00.000Z' })
    .referralRevoked('2026-03-07T10:00:00.000Z'),
  aJourney()
    .registered('2026-04-01T09:00:00.000Z', { cellId: 'oujda', category: 'returnee', consent: { services: true, sharing: true, statistics: false } })
    .referralSent('2026-04-02T10:00:00.000Z', 'anapec-oriental', 'vocational_training_employment', { answerDueBy: '2026-04-17T10:00:00.000Z' })
    .referralAccepted('2026-04-10T10:00:00.000Z'),
];

describe('the referrals report projection', () => {
  let store: ReadStore;
  let projection: ReferralReportProjection;
  let intake: IntegrationEvent[];
  let referral: IntegrationEvent[];
  const NOW = new Date('2026-05-01T12:00:00.000Z');
  const report = async (query: Partial<ReportQuery> = {}, now = NOW) => {
    const period: Period = query.period ?? {};
    const late = overduePeriod(period, now);
    return referralsReportOf(await projection.counts(period), late ? await projection.counts(late) : new Map(), asked(query), referenceData).referrals;
  };
  const documents = async () => (await store.collection<BeneficiaryReferrals>(REFERRAL_REPORT_DOCUMENTS).find()).map(({ id, data, checkpoint }) => ({ id, data, checkpoint }));

  beforeAll(async () => {
    const published = await publishedEventsOf(...scenario());
    [intake, referral] = [ofTopic(published, Topics.intake), ofTopic(published, Topics.referral)];
  });

  beforeEach(async () => {
    store = await createReadStore({ kind: 'memory' });
    projection = new ReferralReportProjection(store);
  });

  afterEach(() => store.close());

  describe('given the five referrals, each topic on its lane', () => {
    beforeEach(async () => {
      await projection.applyBatch(Topics.intake, intake);
      await projection.applyBatch(Topics.referral, referral);
    });

    it('counts referrals sent by where they stand now, by partner, need and sending cell', async () => {
      expect(await report()).toMatchObject({
        total: 5,
        byStatus: { sent: 1, accepted: 1, declined: 1, completed: 1, revoked: 1 },
        byPartner: {
          'anapec-oriental': { total: 2, byStatus: { sent: 0, accepted: 1, declined: 1, completed: 0, revoked: 0 } },
          'chr-al-farabi': { total: 2, byStatus: { sent: 1, accepted: 0, declined: 0, completed: 1, revoked: 0 } },
          'legal-aid-oriental': { total: 1, byStatus: { sent: 0, accepted: 0, declined: 0, completed: 0, revoked: 1 } },
        },
        byNeed: { health: { total: 2 }, legal_aid: { total: 1 }, vocational_training_employment: { total: 2 } },
        // B's second referral was sent by Berkane, after the transfer.
        byCell: { berkane: 1, nador: 1, oujda: 3 },
        byProvince: { berkane: 1, nador: 1, 'oujda-angad': 3 },
      });
    });

    it('gives the acceptance and completion rates, and the median time to the first answer within its bin', async () => {
      // Answered: A's two (5.5 h, 48 h) and C's (192 h); accepted: A's first and C's; completed: A's first.
      expect(await report()).toMatchObject({ acceptanceRate: 0.6667, completionRate: 0.5, timeToFirstAnswer: { answered: 3, medianHours: { from: 48, to: 72 } } });
      expect((await report({ period: { from: '2026-03-01', to: '2026-03-02' } })).timeToFirstAnswer).toEqual({ answered: 1, medianHours: { from: 5, to: 6 } });
      expect((await report({ period: { from: '2026-03-04', to: '2026-03-31' } })).acceptanceRate).toBeNull();
    });

    it('counts an answer overdue from the day after it was due, at the cell that has the case now', async () => {
      expect((await report()).overdue).toEqual({ total: 1, byCell: { berkane: 1 }, byPartner: { 'chr-al-farabi': 1 }, byNeed: { health: 1 } });
      expect((await report({}, new Date('2026-03-11T23:00:00.000Z'))).overdue.total).toBe(0);
      expect((await report({}, new Date('2026-03-12T00:00:00.000Z'))).overdue.total).toBe(1);
      // Filtered by the day the answer was due.
      expect((await report({ period: { from: '2026-03-12' } })).overdue.total).toBe(0);
    });

    it('filters by category, cell and province, and counts only consenting people for the public', async () => {
      expect(await report({ category: 'returnee' })).toMatchObject({ total: 1, byPartner: { 'anapec-oriental': { total: 1 } } });
      expect((await report({ cellId: 'nador' })).total).toBe(1);
      expect((await report({ province: 'berkane' })).overdue.total).toBe(1);
      expect((await report({ audience: 'public' })).total).toBe('<5');
    });
  });

  describe('under redelivery', () => {
    let once: unknown;

    beforeEach(async () => {
      await projection.applyBatch(Topics.intake, intake);
      await projection.applyBatch(Topics.referral, referral);
      once = { report: await report(), documents: await documents() };
      await store.close();
      store = await createReadStore({ kind: 'memory' });
      projection = new ReferralReportProjection(store);
    });

    it('gives the same figures when the referrals come before the registrations they belong to', async () => {
      await projection.applyBatch(Topics.referral, referral);
      expect((await report({ category: 'mre' })).total).toBe(0);
      await projection.applyBatch(Topics.intake, intake);
      expect({ report: await report(), documents: await documents() }).toEqual(once);
    });

    it('counts each event once when batches come again, whole, in part or backwards, on their lane or another', async () => {
      for (let start = 0; start < referral.length; start += 3) await projection.applyBatch('referral#0', referral.slice(start, start + 3));
      await projection.applyBatch('intake#0', intake);
      await projection.applyBatch('referral#0', referral);
      await projection.applyBatch('intake#0', intake.slice(1));
      for (const event of [...referral, ...intake].reverse()) await projection.applyBatch('rebalanced#1', [event]);
      expect({ report: await report(), documents: await documents() }).toEqual(once);
    });
  });

  it('bins the time to a first answer by the hour, then the day, then the week', () => {
    expect([0.2, 5.5, 23.9, 24, 47, 48, 335, 336, 1343, 1344, 9999].map(answerBinOf)).toEqual([0, 5, 23, 24, 24, 48, 312, 336, 1176, 1344, 1344]);
    expect([5, 48, 336, 1344].map(answerBinEnd)).toEqual([6, 72, 504, null]);
  });
});
