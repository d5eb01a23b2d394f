import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { startTestNetwork, TestNetwork } from './network-routes';

/**
 * GET /hub/snapshot on the embedded default (issue 8): after registrations, a transfer, a closure
 * and referrals made through the services' APIs, each cell's figures are what the script did, for
 * every reader in their scope; what it refuses, it refuses with a stable code.
 */

const REGION: TokenRequest = { role: 'regional_coordinator' };
const OUJDA_ANGAD: TokenRequest = { role: 'provincial_coordinator', province: 'oujda-angad' };
const AUDITOR: TokenRequest = { role: 'auditor' };
const OUJDA_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'oujda' };
const NADOR_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'nador' };

type Cell = { cellId: string; province: string; registrations: number; openCaseload: number; referralsAwaitingAnswer: number; referralsOverdue: number; followUpsOverdue: number };

describe('GET /hub/snapshot', () => {
  let test: TestNetwork;
  const tokens = new Map<TokenRequest, string>();
  let keys = 0;
  const command = async (service: string, path: string, body: unknown, caller: TokenRequest) => {
    const response = await request(test.network.urls[service]!)
      .post(path)
      .set({ Authorization: `Bearer ${tokens.get(caller)}`, 'Idempotency-Key': `hub-snapshot-${process.pid}-${++keys}` })
      .send(body as object);
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${response.text}`);
    return response.body as Record<string, string>;
  };
  const snapshot = (caller: TokenRequest, query: Record<string, string> = {}) =>
    request(test.network.urls['reporting']!).get('/hub/snapshot').query(query).set('Authorization', `Bearer ${tokens.get(caller)}`);
  const cell = (cells: Cell[], cellId: string) => cells.find((candidate) => candidate.cellId === cellId)!;

  beforeAll(async () => {
    test = await startTestNetwork('hub-snapshot');
    for (const caller of [REGION, OUJDA_ANGAD, AUDITOR, OUJDA_AGENT, NADOR_AGENT]) tokens.set(caller, await issueToken(test.config, caller));
    await checkResponsesAgainstOpenApiOf(test.network.urls['reporting']!);

    // Oujda registers three (one moves to Nador, one is closed, one is referred twice); Nador one.
    const register = async (agent: TokenRequest, sharing = false) =>
      (await command('intake', '/beneficiaries', aRegistrationBody({ cellId: agent.cellId!, consent: { services: true, sharing, statistics: true } }), agent))['beneficiaryId']!;
    const [referred, moving, closing] = [await register(OUJDA_AGENT, true), await register(OUJDA_AGENT), await register(OUJDA_AGENT)];
    await register(NADOR_AGENT);
    const transfer = (await command('intake', `/beneficiaries/${moving}/transfers`, { toCellId: 'nador', reason: 'moved' }, OUJDA_AGENT))['transferId']!;
    await command('intake', `/beneficiaries/${moving}/transfers/${transfer}/accept`, {}, NADOR_AGENT);
    await command('intake', `/beneficiaries/${closing}/close`, { reason: 'resolved' }, OUJDA_AGENT);
    await eventually(async () => {
      const known = await request(test.network.urls['referral']!).get(`/beneficiaries/${referred}/sharing-consent`).set('Authorization', `Bearer ${tokens.get(OUJDA_AGENT)}`);
      expect(known.body).toMatchObject({ sharing: true });
    });
    for (let n = 0; n < 2; n++) await command('referral', '/referrals', { beneficiaryId: referred, need: 'health', partnerId: 'chr-al-farabi' }, OUJDA_AGENT);
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it("gives every cell's figures as the script made them, as the document says", async () => {
    await eventually(async () => {
      const response = await snapshot(REGION).expect(200);
      expect(response).toSatisfyApiSpec();
      const cells = response.body.cells as Cell[];
      expect(cells.map((c) => c.cellId)).toContain('figuig');
      expect(cell(cells, 'oujda')).toEqual({ cellId: 'oujda', province: 'oujda-angad', registrations: 3, openCaseload: 1, referralsAwaitingAnswer: 2, referralsOverdue: 0, followUpsOverdue: 0 });
      expect(cell(cells, 'nador')).toEqual({ cellId: 'nador', province: 'nador', registrations: 1, openCaseload: 2, referralsAwaitingAnswer: 0, referralsOverdue: 0, followUpsOverdue: 0 });
      expect(cell(cells, 'figuig')).toMatchObject({ registrations: 0, openCaseload: 0 });
      expect(response.body.totals).toEqual({ registrations: 4, openCaseload: 3, referralsAwaitingAnswer: 2, referralsOverdue: 0, followUpsOverdue: 0 });
    });
  });

  it('holds a provincial coordinator to their province, and filters by cell or province for the others', async () => {
    const provincial = (await snapshot(OUJDA_ANGAD).expect(200)).body.cells as Cell[];
    expect(new Set(provincial.map((c) => c.province))).toEqual(new Set(['oujda-angad']));
    expect((await snapshot(AUDITOR, { province: 'nador' }).expect(200)).body.cells.map((c: Cell) => c.province)).toEqual(expect.arrayContaining(['nador']));
    expect((await snapshot(REGION, { cellId: 'nador' }).expect(200)).body.cells.map((c: Cell) => c.cellId)).toEqual(['nador']);
  });

  it('refuses, with a stable code, what it cannot answer', async () => {
    const refused = async (caller: TokenRequest, query: Record<string, string> = {}) => {
      const response = await snapshot(caller, query);
      expect(response).toSatisfyApiSpec();
      return { status: response.status, code: response.body.code };
    };
    expect(await refused(OUJDA_AGENT)).toEqual({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    expect(await refused(OUJDA_ANGAD, { province: 'nador' })).toEqual({ status: 403, code: 'PROVINCE_NOT_YOURS' });
    expect(await refused(OUJDA_ANGAD, { cellId: 'nador' })).toEqual({ status: 403, code: 'CELL_NOT_YOURS' });
    expect(await refused(REGION, { cellId: 'atlantis' })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, { province: 'nador', cellId: 'oujda' })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, { unknown: 'x' })).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
