import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@oriental/contracts';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, Role, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { loadReferenceData } from '@oriental/reference-data';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { NetworkReportProjection } from '../src/network-report/network-report.projection';
import { ReferralReportProjection } from '../src/referral-report/referral-report.projection';
import { reportingService } from '../src/reporting.service';
import { aJourney } from './journey-events';
import { ofTopic, publishedEventsOf } from './published-events';
import { aTraining } from './training-events';
import { TrainingReportProjection } from '../src/training-report/training-report.projection';

/** One caller per role, with the scope the role needs. */
const CALLERS: Record<Role, TokenRequest> = {
  auditor: { role: 'auditor', subject: 'auditor:1' },
  regional_coordinator: { role: 'regional_coordinator', subject: 'coordinator:region' },
  provincial_coordinator: { role: 'provincial_coordinator', province: 'nador', subject: 'coordinator:nador' },
  cell_supervisor: { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda' },
  cell_agent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  partner: { role: 'partner', partnerId: 'chr-al-farabi', subject: 'partner:chr-al-farabi' },
  trainer: { role: 'trainer', subject: 'trainer:1' },
};

const referenceData = loadReferenceData();
const INDICATORS = ['network', 'needs', 'follow-ups', 'transfers', 'referrals', 'training'] as const;
type OpenApi = { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { type?: string } }> }> } }> };

/**
 * The network in March 2026: 12 MRE women registered at Oujda, 3 RPT men at Nador, 6 returnees at
 * Berkane who did not consent to statistics; the first Oujda case with a need, a referral the
 * hospital accepted, a follow-up never recorded and a transfer to Nador still pending.
 */
const scenario = () => {
  const journeys = [
    ...Array.from({ length: 12 }, (_, i) => aJourney().registered(`2026-03-${String(2 + i).padStart(2, '0')}T09:00:00.000Z`, { cellId: 'oujda', category: 'mre', sex: 'female', birthYear: 1990 })),
    ...Array.from({ length: 3 }, (_, i) => aJourney().registered(`2026-03-0${2 + i}T10:00:00.000Z`, { cellId: 'nador', category: 'rpt', sex: 'male', nationality: 'SN', birthYear: 1995 })),
    ...Array.from({ length: 6 }, (_, i) =>
      aJourney().registered(`2026-03-0${2 + i}T11:00:00.000Z`, { cellId: 'berkane', category: 'returnee', consent: { services: true, sharing: true, statistics: false } }),
    ),
  ];
  journeys[0]!
    .needsAssessed('2026-03-10T09:00:00.000Z', [{ code: 'health', priority: 'high' }])
    .referralSent('2026-03-10T10:00:00.000Z', 'chr-al-farabi', 'health', { answerDueBy: '2026-03-15T10:00:00.000Z' })
    .referralAccepted('2026-03-11T10:00:00.000Z')
    .followUpScheduled('2026-03-10T11:00:00.000Z', randomUUID(), '2026-03-20')
    .transferRequested('2026-03-12T09:00:00.000Z', 'nador');
  return journeys;
};

describe('GET /reports/<indicator>', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let document: OpenApi;
  const tokens = {} as Record<Role, string>;
  const report = (indicator: string, query: Record<string, string> = {}, as: Role = 'auditor') =>
    request(service.url).get(`/reports/${indicator}`).query(query).set('Authorization', `Bearer ${tokens[as]}`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'reports-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
    infrastructure = await openInfrastructure(config, 'reporting');
    service = await startService(reportingService, { config, infrastructure, port: 0, clock: fixedClock('2026-05-01T12:00:00.000Z'), logger: new JsonLogger('reporting', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    document = (await (await fetch(`${service.url}/docs/openapi.json`)).json()) as OpenApi;
    for (const [role, caller] of Object.entries(CALLERS)) tokens[role as Role] = await issueToken(config, caller);
    // The events as the consumers receive them, each topic on its lane.
    const trainees: string[] = [];
    const training = aTraining()
      .participant('2026-03-01T09:00:00.000Z', { actorType: 'cell_officer', sex: 'female', province: 'nador' }, (id) => trainees.push(id))
      .session('2026-03-02T09:00:00.000Z', { cellId: 'nador', province: 'nador' }, (session) => session.enrolled('2026-03-03T09:00:00.000Z', trainees[0]!).closed('2026-03-04T17:00:00.000Z', trainees, trainees));
    const published = await publishedEventsOf(...scenario(), training);
    await new TrainingReportProjection(infrastructure.readStore).applyBatch(Topics.capacityBuilding, ofTopic(published, Topics.capacityBuilding));
    await new NetworkReportProjection(infrastructure.readStore).applyBatch(Topics.intake, ofTopic(published, Topics.intake));
    const referrals = new ReferralReportProjection(infrastructure.readStore);
    await referrals.applyBatch(Topics.intake, ofTopic(published, Topics.intake));
    await referrals.applyBatch(Topics.referral, ofTopic(published, Topics.referral));
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe.each(INDICATORS)('/reports/%s', (indicator) => {
    it('answers JSON as its OpenAPI document says, with the request as understood', async () => {
      const response = await report(indicator).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body.request).toEqual({ from: null, to: null, cellId: null, province: null, category: null, audience: 'internal' });
    });

    it('answers the same figures as CSV, asked with Accept: text/csv or format=csv, as documented', async () => {
      const json = (await report(indicator, { from: '2026-03-01', to: '2026-03-31' }).expect(200)).body;
      const byAccept = await report(indicator, { from: '2026-03-01', to: '2026-03-31' }).set('Accept', 'text/csv').expect(200);
      const byFormat = await report(indicator, { from: '2026-03-01', to: '2026-03-31', format: 'csv' }).expect(200);
      expect(document.paths[`/reports/${indicator}`]!.get.responses['200']!.content['text/csv']!.schema.type).toBe('string');
      for (const csv of [byAccept, byFormat]) {
        expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
        expect(csv.headers['content-disposition']).toBe(`attachment; filename="${indicator}-report.csv"`);
        expect(csv.headers['vary']).toMatch(/Accept/);
        const [header, ...rows] = csv.text.split('\r\n').slice(0, -1);
        expect(header).toBe('figure,value');
        // Every figure of the JSON answer, in order, its path dotted.
        const flat = (value: unknown, path: string): string[] =>
          value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, item]) => flat(item, path ? `${path}.${key}` : key)) : [`${path},${value === null ? '' : String(value)}`];
        expect(rows).toEqual(flat(json, ''));
      }
      // format wins over Accept.
      const asked = await report(indicator, { format: 'json' }).set('Accept', 'text/csv').expect(200);
      expect(asked.headers['content-type']).toMatch(/^application\/json/);
    });

    it.each<[string, Record<string, string>, string]>([
      ['a day not YYYY-MM-DD', { from: '2026-3-1' }, 'from'],
      ['a day that does not exist', { to: '2026-02-30' }, 'to'],
      ['to before from', { from: '2026-03-10', to: '2026-03-09' }, 'to'],
      ['an unknown cell', { cellId: 'casablanca' }, 'cellId'],
      ['an unknown province', { province: 'tanger' }, 'province'],
      ['a cell outside the province named', { cellId: 'oujda', province: 'nador' }, 'cellId'],
      ['an unknown category (training: any category)', { category: 'tourist' }, 'category'],
      ['an unknown format', { format: 'xml' }, 'format'],
      ['an unknown audience', { audience: 'press' }, 'audience'],
      ['an unknown parameter', { page: '2' }, 'page'],
    ])('refuses %s: 400 VALIDATION_FAILED naming the field', async (_, query, field) => {
      const response = await report(indicator, query).expect(400);
      expect(response).toSatisfyApiSpec();
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
    });

    it.each<Role>(['cell_supervisor', 'cell_agent', 'partner', 'trainer'])('refuses the %s: 403 ROLE_NOT_ALLOWED', async (role) => {
      const response = await report(indicator, {}, role).expect(403);
      expect(response).toSatisfyApiSpec();
      expect(response.body.code).toBe('ROLE_NOT_ALLOWED');
    });

    it('refuses a call without a token: 401', async () => {
      const response = await request(service.url).get(`/reports/${indicator}`).expect(401);
      expect(response).toSatisfyApiSpec();
    });

    it("holds a provincial coordinator to their province: given when they name none, 403 when they name another's", async () => {
      const own = await report(indicator, {}, 'provincial_coordinator').expect(200);
      expect(own).toSatisfyApiSpec();
      expect(own.body.request.province).toBe('nador');
      expect((await report(indicator, { cellId: 'nador' }, 'provincial_coordinator').expect(200)).body.request).toMatchObject({ cellId: 'nador', province: 'nador' });
      const other = await report(indicator, { province: 'oujda-angad' }, 'provincial_coordinator').expect(403);
      expect(other).toSatisfyApiSpec();
      expect(other.body.code).toBe('PROVINCE_NOT_YOURS');
      expect((await report(indicator, { cellId: 'oujda' }, 'provincial_coordinator').expect(403)).body.code).toBe('CELL_NOT_YOURS');
    });

    it('answers a public report as documented: counts as "<5" or multiples of 10', async () => {
      const response = await report(indicator, { audience: 'public' }).expect(200);
      expect(response).toSatisfyApiSpec();
      const counts = JSON.stringify(response.body).match(/:(\d+|"<5")[,}]/g) ?? [];
      expect(counts.length).toBeGreaterThan(5);
      for (const count of counts) expect(count).toMatch(/:("<5"|\d*0)[,}]/);
    });
  });

  describe('/reports/network', () => {
    it('counts by cell, province, category, sex, age band and nationality, and answers the caseload', async () => {
      const { body } = await report('network').expect(200);
      expect(body.beneficiaries).toEqual({
        total: 21,
        byCell: { berkane: 6, nador: 3, oujda: 12 },
        byCommune: { berkane: 6, nador: 3, oujda: 12 },
        byProvince: { berkane: 6, nador: 3, 'oujda-angad': 12 },
        byRegion: { oriental: 21 },
        byCategory: { mre: 12, returnee: 6, rpt: 3 },
        bySex: { female: 18, male: 3 },
        byAgeBand: { '25-34': 3, '35-44': 18 },
        byNationality: { MA: 18, SN: 3 },
      });
      expect(body.returning).toMatchObject({ total: 1, byCell: { oujda: 1 } });
      expect(body.caseload).toEqual({ open: 21, byCell: { berkane: 6, nador: 3, oujda: 12 } });
    });

    it('filters by period, cell, province and category', async () => {
      expect((await report('network', { from: '2026-03-05', to: '2026-03-31' }).expect(200)).body.beneficiaries.byCell).toEqual({ berkane: 3, oujda: 9 });
      expect((await report('network', { cellId: 'nador' }).expect(200)).body.beneficiaries.total).toBe(3);
      expect((await report('network', { province: 'oujda-angad', category: 'mre' }).expect(200)).body.beneficiaries.total).toBe(12);
      expect((await report('network', { category: 'rpt' }).expect(200)).body.beneficiaries.byCell).toEqual({ nador: 3 });
    });

    it('shows the public only people who consented to statistics, every value of a breakdown, small counts as "<5" and the others rounded, in JSON and CSV', async () => {
      const { body } = await report('network', { audience: 'public' }).expect(200);
      // Berkane's six returnees did not consent: "<5" (none), not 10. Nador's three: "<5". Oujda's twelve: 10. The total, 15: 20.
      expect(body.beneficiaries).toMatchObject({
        total: 20,
        byCell: { berkane: '<5', nador: '<5', oujda: 10 },
        byCategory: { mre: 10, returnee: '<5', rpt: '<5' },
        bySex: { female: 10, male: '<5' },
        byNationality: { MA: 10, other: '<5' },
      });
      expect(Object.keys(body.beneficiaries.byCell)).toEqual(referenceData.cells.map((cell) => cell.id).sort());
      expect(Object.keys(body.beneficiaries.byAgeBand)).toEqual(['0-17', '18-24', '25-34', '35-44', '45-59', '60+']);
      expect(body.request.audience).toBe('public');
      const csv = (await report('network', { audience: 'public', format: 'csv' }).expect(200)).text;
      expect(csv).toContain('\r\nbeneficiaries.byCell.nador,<5\r\n');
      expect(csv).toContain('\r\nbeneficiaries.byCell.oujda,10\r\n');
    });
  });

  it('answers training without a category filter: participants are no beneficiaries', async () => {
    expect((await report('training').expect(200)).body.training).toMatchObject({ trained: { total: 1, byCell: { nador: 1 } }, completed: { total: 1 }, completionRate: 1 });
    const refused = await report('training', { category: 'mre' }).expect(400);
    expect(refused.body.errors).toEqual([{ field: 'category', message: 'is not a filter of this indicator' }]);
  });

  it('answers needs, follow-ups, transfers and referrals from the casework', async () => {
    expect((await report('needs').expect(200)).body.needs.identified).toMatchObject({ total: 1, byCode: { health: 1 }, byCell: { oujda: 1 } });
    // Today is 1 May: the follow-up due on 20 March, never recorded, is overdue.
    expect((await report('follow-ups').expect(200)).body.followUps).toMatchObject({ due: 1, pending: 1, overdue: 1, byCell: { oujda: { due: 1, pending: 1, overdue: 1 } } });
    expect((await report('transfers').expect(200)).body.transfers).toMatchObject({ out: { total: 1, pending: 1 }, byCell: { nador: { in: { total: 1, pending: 1 } } } });
    expect((await report('referrals').expect(200)).body.referrals).toMatchObject({
      total: 1,
      byStatus: { accepted: 1 },
      acceptanceRate: 1,
      timeToFirstAnswer: { answered: 1, medianHours: { from: 24, to: 48 } },
      overdue: { total: 0 },
    });
    const publicReferrals = (await report('referrals', { audience: 'public' }).expect(200)).body.referrals;
    expect(publicReferrals).toMatchObject({ total: '<5', acceptanceRate: null, timeToFirstAnswer: { answered: '<5', medianHours: null } });
  });
});
