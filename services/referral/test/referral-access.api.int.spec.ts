import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { fixedClock, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { referralService } from '../src/referral.service';
import { intakeFacts } from './intake-facts';

/**
 * Who sees and answers which referral (services/referral/src/referral-access.ts): a partner
 * those addressed to it, cell staff those of their cell's cases, coordinators those of the
 * cells they oversee; what a caller may not see answers 404, as if it did not exist.
 */
const CALLERS = {
  oujdaAgent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  nadorAgent: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  hospital: { role: 'partner', partnerId: 'chr-al-farabi', subject: 'partner:chr-al-farabi' },
  ngo: { role: 'partner', partnerId: 'ngo-migrants-oujda', subject: 'partner:ngo-migrants-oujda' },
  oujdaCoordinator: { role: 'provincial_coordinator', province: 'oujda-angad', subject: 'coordinator:oujda-angad' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region' },
  trainer: { role: 'trainer', subject: 'trainer:1' },
} satisfies Record<string, TokenRequest>;
type Caller = keyof typeof CALLERS;

let key = 0;
const newKey = () => `referral-access-${process.pid}-${++key}-${Date.now()}`;

describe('referral access: who sees and answers which referral', () => {
  jest.setTimeout(30_000);
  let dataDir: string;
  let service: RunningService;
  let store: EventStore;
  let facts: ReturnType<typeof intakeFacts>;
  const tokens = {} as Record<Caller, string>;
  const clock = fixedClock('2026-07-15T09:30:00.000Z');

  /** Every answer, success or problem, must be one the service's OpenAPI document describes. */
  const documented = (response: request.Response) => expect(response).toSatisfyApiSpec();
  const get = (as: Caller, path: string) => request(service.url).get(path).set('Authorization', `Bearer ${tokens[as]}`).expect(documented);
  const post = (as: Caller, path: string, body: object) =>
    request(service.url).post(path).set('Authorization', `Bearer ${tokens[as]}`).set('Idempotency-Key', newKey()).send(body).expect(documented);
  const listed = async (as: Caller, query: string) => ((await get(as, `/referrals?${query}`).expect(200)).body.referrals as { referralId: string }[]).map((r) => r.referralId);
  const referralEvents = async () => (await store.readAll({ maxCount: 100_000, streamPrefixes: ['referral-'] })).events.length;

  /** A case registered at `cellId`, consenting to sharing, as intake tells referral of it. */
  const aCase = async (cellId: 'oujda' | 'nador') => {
    const beneficiaryId = randomUUID();
    await facts.registered(beneficiaryId, { cellId });
    return beneficiaryId;
  };
  /** A referral of the case, sent by an agent of its cell. */
  const aReferral = async (beneficiaryId: string, as: 'oujdaAgent' | 'nadorAgent', partnerId = 'chr-al-farabi', need = 'health') =>
    (await post(as, '/referrals', { beneficiaryId, partnerId, need }).expect(201)).body.referralId as string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'referral-access-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    const infrastructure = await openInfrastructure(config, 'referral');
    store = infrastructure.eventStore;
    facts = intakeFacts(store, infrastructure.bus, () => clock.now());
    service = await startService(referralService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('referral', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [name, caller] of Object.entries(CALLERS)) tokens[name as Caller] = await issueToken(config, caller);
    await eventually(async () => expect((await get('oujdaAgent', '/partners').expect(200)).body.partners).toHaveLength(11));
  });

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('given a referral of an Oujda case addressed to the regional hospital', () => {
    let beneficiaryId: string;
    let referralId: string;
    beforeAll(async () => {
      beneficiaryId = await aCase('oujda');
      referralId = await aReferral(beneficiaryId, 'oujdaAgent');
    });

    it('when the hospital reads it, then it sees it', async () => {
      const { body } = await get('hospital', `/referrals/${referralId}`).expect(200);
      expect(body).toMatchObject({ referralId, beneficiaryId, partnerId: 'chr-al-farabi', cellId: 'oujda', status: 'sent' });
    });

    it.each([
      ['accept', {}],
      ['decline', { reason: 'no_capacity' }],
      ['complete', { outcome: 'resolved' }],
    ])('when another partner reads it or tries to %s it, then 404 REFERRAL_NOT_FOUND and nothing is appended', async (action, body) => {
      expect((await get('ngo', `/referrals/${referralId}`).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      const before = await referralEvents();
      expect((await post('ngo', `/referrals/${referralId}/${action}`, body).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect(await referralEvents()).toBe(before);
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(1);
    });

    it('when a partner tries to send or revoke a referral, then 403 ROLE_NOT_ALLOWED and nothing is appended', async () => {
      const before = await referralEvents();
      expect((await post('hospital', '/referrals', { beneficiaryId, partnerId: 'chr-al-farabi', need: 'health' }).expect(403)).body.code).toBe('ROLE_NOT_ALLOWED');
      expect((await post('hospital', `/referrals/${referralId}/revoke`, { reason: 'other' }).expect(403)).body.code).toBe('ROLE_NOT_ALLOWED');
      expect(await referralEvents()).toBe(before);
    });

    it('when a Nador agent reads it or answers it, then 404 REFERRAL_NOT_FOUND and nothing is appended', async () => {
      expect((await get('nadorAgent', `/referrals/${referralId}`).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      const before = await referralEvents();
      for (const [action, body] of [['accept', {}], ['decline', { reason: 'other' }], ['revoke', { reason: 'other' }]] as const) {
        expect((await post('nadorAgent', `/referrals/${referralId}/${action}`, body).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      }
      expect(await referralEvents()).toBe(before);
    });

    it('when the hospital accepts it, then it is accepted with the hospital\'s subject as the actor', async () => {
      const fresh = await aReferral(beneficiaryId, 'oujdaAgent', 'chr-al-farabi', 'psychosocial_support');
      expect((await post('hospital', `/referrals/${fresh}/accept`, {}).expect(200)).body).toEqual({ referralId: fresh, status: 'accepted' });
      const [, accepted] = await store.readStream(`referral-${fresh}`);
      expect(accepted!.metadata.actor).toBe(CALLERS.hospital.subject);
    });
  });

  describe('given an Oujda case', () => {
    let beneficiaryId: string;
    beforeAll(async () => {
      beneficiaryId = await aCase('oujda');
    });

    it('when a Nador agent sends a referral for it, then it is refused as a beneficiary referral does not know (422 BENEFICIARY_NOT_KNOWN), nothing appended', async () => {
      const before = await referralEvents();
      const refused = await post('nadorAgent', '/referrals', { beneficiaryId, partnerId: 'chr-al-farabi', need: 'health' }).expect(422);
      const unknown = await post('nadorAgent', '/referrals', { beneficiaryId: randomUUID(), partnerId: 'chr-al-farabi', need: 'health' }).expect(422);
      expect(refused.body.code).toBe('BENEFICIARY_NOT_KNOWN');
      expect(refused.body.code).toBe(unknown.body.code);
      expect(await referralEvents()).toBe(before);
      // The Oujda agent, of the case's cell, may.
      await aReferral(beneficiaryId, 'oujdaAgent');
    });

    it('when a Nador agent asks what referral knows of it, then 404 BENEFICIARY_NOT_KNOWN, as for a case that does not exist', async () => {
      for (const path of [`/beneficiaries/${beneficiaryId}/case`, `/beneficiaries/${beneficiaryId}/sharing-consent`]) {
        expect((await get('nadorAgent', path).expect(404)).body.code).toBe('BENEFICIARY_NOT_KNOWN');
        await get('oujdaAgent', path).expect(200);
      }
    });

    it('when a partner asks what referral knows of it, then 403 ROLE_NOT_ALLOWED', async () => {
      expect((await get('hospital', `/beneficiaries/${beneficiaryId}/case`).expect(403)).body.code).toBe('ROLE_NOT_ALLOWED');
    });
  });

  describe('given referrals of an Oujda case and of a Nador case', () => {
    let oujdaCase: string;
    let nadorCase: string;
    let oujdaToHospital: string;
    let oujdaToNgo: string;
    let nadorToHospital: string;
    beforeAll(async () => {
      [oujdaCase, nadorCase] = [await aCase('oujda'), await aCase('nador')];
      oujdaToHospital = await aReferral(oujdaCase, 'oujdaAgent');
      oujdaToNgo = await aReferral(oujdaCase, 'oujdaAgent', 'ngo-migrants-oujda', 'housing');
      nadorToHospital = await aReferral(nadorCase, 'nadorAgent');
      // The lists are read models, fed from the bus: wait until the region sees all three.
      await eventually(async () => expect(await listed('region', 'partnerId=chr-al-farabi')).toEqual(expect.arrayContaining([oujdaToHospital, nadorToHospital])));
      await eventually(async () => expect(await listed('region', `beneficiaryId=${oujdaCase}`)).toHaveLength(2));
    });

    it('when each lists the hospital\'s referrals, then the region sees both cells\', each cell agent and the province\'s coordinator only their own, the hospital both', async () => {
      const byHospital = 'partnerId=chr-al-farabi';
      expect(await listed('region', byHospital)).toEqual(expect.arrayContaining([oujdaToHospital, nadorToHospital]));
      expect(await listed('hospital', byHospital)).toEqual(expect.arrayContaining([oujdaToHospital, nadorToHospital]));
      const oujda = await listed('oujdaAgent', byHospital);
      expect(oujda).toContain(oujdaToHospital);
      expect(oujda).not.toContain(nadorToHospital);
      const nador = await listed('nadorAgent', byHospital);
      expect(nador).toContain(nadorToHospital);
      expect(nador).not.toContain(oujdaToHospital);
      const province = await listed('oujdaCoordinator', byHospital);
      expect(province).toContain(oujdaToHospital);
      expect(province).not.toContain(nadorToHospital);
    });

    it('when a partner lists a case or a cell, then it sees only the referrals addressed to it', async () => {
      expect(await listed('hospital', `beneficiaryId=${oujdaCase}`)).toEqual([oujdaToHospital]);
      expect(await listed('ngo', `beneficiaryId=${oujdaCase}`)).toEqual([oujdaToNgo]);
      expect(await listed('hospital', 'partnerId=ngo-migrants-oujda')).toEqual([]);
      expect(await listed('ngo', `beneficiaryId=${nadorCase}`)).toEqual([]);
    });

    it('when an agent lists another cell or another cell\'s case, then the list is empty', async () => {
      expect(await listed('nadorAgent', 'cellId=oujda')).toEqual([]);
      expect(await listed('nadorAgent', `beneficiaryId=${oujdaCase}`)).toEqual([]);
      expect(await listed('oujdaAgent', `beneficiaryId=${nadorCase}`)).toEqual([]);
      expect(await listed('oujdaCoordinator', `beneficiaryId=${nadorCase}`)).toEqual([]);
      expect(await listed('oujdaAgent', `beneficiaryId=${oujdaCase}`)).toEqual(expect.arrayContaining([oujdaToHospital, oujdaToNgo]));
    });

    it('when a coordinator reads a referral, then only one of a cell they oversee', async () => {
      await get('oujdaCoordinator', `/referrals/${oujdaToHospital}`).expect(200);
      expect((await get('oujdaCoordinator', `/referrals/${nadorToHospital}`).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      await get('region', `/referrals/${nadorToHospital}`).expect(200);
    });
  });

  describe('given a trainer', () => {
    const someone = '5b0f7a0e-3c1d-4e2f-8a9b-0c1d2e3f4a5b';
    it.each([
      ['GET', '/referrals?cellId=oujda', undefined],
      ['GET', `/referrals/${someone}`, undefined],
      ['GET', `/beneficiaries/${someone}/case`, undefined],
      ['GET', `/beneficiaries/${someone}/sharing-consent`, undefined],
      ['GET', '/partners?need=health', undefined],
      ['POST', '/referrals', { beneficiaryId: someone, partnerId: 'chr-al-farabi', need: 'health' }],
      ['POST', `/referrals/${someone}/accept`, {}],
      ['POST', `/referrals/${someone}/revoke`, { reason: 'other' }],
    ])('when they call %s %s, then 403 ROLE_NOT_ALLOWED and nothing is appended', async (method, path, body) => {
      const before = await referralEvents();
      const response = await (method === 'GET' ? get('trainer', path) : post('trainer', path, body!)).expect(403);
      expect(response.body).toMatchObject({ status: 403, code: 'ROLE_NOT_ALLOWED' });
      expect(await referralEvents()).toBe(before);
    });
  });

  describe('given no token', () => {
    it('when anyone calls a referral route, then 401 AUTHENTICATION_REQUIRED with WWW-Authenticate: Bearer', async () => {
      const response = await request(service.url).get('/referrals?cellId=oujda').expect(documented).expect(401);
      expect(response.body.code).toBe('AUTHENTICATION_REQUIRED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    });
  });
});
