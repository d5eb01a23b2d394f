import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessLogStream, PERSONAL_DATA_READ } from '@oriental/contracts';
import { EventStore } from '@oriental/event-store';
import { beneficiaryStream } from '@oriental/intake-domain';
import {
  EMBEDDED_ISSUER,
  fixedClock,
  issueToken,
  JsonLogger,
  loadConfig,
  openInfrastructure,
  Role,
  RunningService,
  ServiceConfig,
  startService,
  TokenRequest,
} from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import { SignJWT } from 'jose';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody } from '../src/testing';

/**
 * Who may do what on intake, now that every route but /health wants a bearer token: the token
 * says who calls (its subject is the actor of every event they cause and the owner of their
 * idempotency keys), the route's policy which roles may call, and the case's cell whether the
 * caller sees the case at all (404 when not, as if it did not exist). Every read of a person's
 * record leaves a PersonalDataRead in their access log, with why and by whom.
 */
let key = 0;
const newKey = () => `access-control-${process.pid}-${++key}-${Date.now()}`;
const TODAY = '2026-07-15T09:30:00.000Z';
const UNKNOWN_ID = '9b2f6a53-4d3c-4f0e-8a51-2c6d7e8f9a0b';

/** Everyone the specs sign in as (tokens of the embedded issuer under the service's DATA_DIR). */
const CALLERS = {
  oujda: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  oujdaColleague: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-2' },
  nador: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  berkane: { role: 'cell_agent', cellId: 'berkane', subject: 'agent:berkane-1' },
  // oujda is a cell of the prefecture of Oujda-Angad (libs/reference-data/data/cells.json).
  oujdaAngadCoordinator: { role: 'provincial_coordinator', province: 'oujda-angad', subject: 'coordinator:oujda-angad-1' },
  nadorCoordinator: { role: 'provincial_coordinator', province: 'nador', subject: 'coordinator:nador-1' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region-1' },
  trainer: { role: 'trainer', subject: 'trainer-1' },
} as const satisfies Record<string, TokenRequest>;
type Caller = keyof typeof CALLERS;

describe('intake access control', () => {
  let dataDir: string;
  let otherIssuerDir: string;
  let config: ServiceConfig;
  let service: RunningService;
  let store: EventStore;
  const tokens = {} as Record<Caller, string>;

  /** Runs the request and checks its answer against the service's OpenAPI document. */
  const answer = async (call: request.Test): Promise<request.Response> => {
    const response = await call;
    expect(response).toSatisfyApiSpec();
    return response;
  };
  /** A command as `as` (an Authorization header value of its own when `authorization` is given; none when null). */
  const command = (path: string, body: object | undefined, as: Caller, options: { key?: string; authorization?: string | null; headers?: Record<string, string> } = {}) => {
    const call = request(service.url).post(path).set('Idempotency-Key', options.key ?? newKey());
    const authorization = options.authorization === undefined ? `Bearer ${tokens[as]}` : options.authorization;
    if (authorization !== null) call.set('Authorization', authorization);
    if (options.headers) call.set(options.headers);
    return answer(body === undefined ? call : call.send(body));
  };
  /** A read of the case as `as`, for `purpose` (no X-Purpose when null). */
  const read = (id: string, as: Caller, purpose: string | null = 'casework', authorization: string | null = `Bearer ${tokens[as]}`) => {
    const call = request(service.url).get(`/beneficiaries/${id}`);
    if (authorization !== null) call.set('Authorization', authorization);
    if (purpose !== null) call.set('X-Purpose', purpose);
    return answer(call);
  };
  const register = async (as: Caller = 'oujda', cellId = 'oujda'): Promise<string> => {
    const response = await command('/beneficiaries', aRegistrationBody({ cellId }), as);
    expect(response.status).toBe(201);
    return response.body.beneficiaryId;
  };

  /** Every event of the store, access logs included. */
  const eventCount = async () => (await store.readAll({ maxCount: 100_000 })).events.length;
  const caseEvents = (id: string) => store.readStream(beneficiaryStream(id));
  const accessLog = (id: string) => store.readStream(accessLogStream(id));
  /** The answer is the problem `status`/`code`, and nothing at all was appended to the store while it ran. */
  const refusedWithNothingAppended = async (call: () => Promise<request.Response>, status: number, code: string): Promise<request.Response> => {
    const before = await eventCount();
    const response = await call();
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await eventCount()).toBe(before);
    return response;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-access-control-'));
    otherIssuerDir = mkdtempSync(join(tmpdir(), 'intake-access-control-other-issuer-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    const infrastructure = await openInfrastructure(config, 'intake');
    store = infrastructure.eventStore;
    service = await startService(intakeService, { config, infrastructure, clock: fixedClock(TODAY), port: 0, logger: new JsonLogger('intake', 'error') });
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(config, claims);
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(otherIssuerDir, { recursive: true, force: true });
  });

  describe('given a request without a bearer token', () => {
    it.each<[string, () => Promise<request.Response>]>([
      ['POST /beneficiaries', () => command('/beneficiaries', aRegistrationBody(), 'oujda', { authorization: null })],
      ['GET /beneficiaries/{id}', () => read(UNKNOWN_ID, 'oujda', 'casework', null)],
      ['POST /beneficiaries/{id}/needs', () => command(`/beneficiaries/${UNKNOWN_ID}/needs`, { needs: [{ code: 'health', priority: 'high' }] }, 'oujda', { authorization: null })],
      ['GET /cells/{cellId}/follow-ups/overdue', () => answer(request(service.url).get('/cells/oujda/follow-ups/overdue'))],
    ])('when it calls %s, then it gets 401 AUTHENTICATION_REQUIRED with WWW-Authenticate: Bearer, and nothing is appended', async (_route, call) => {
      const response = await refusedWithNothingAppended(call, 401, 'AUTHENTICATION_REQUIRED');
      // RFC 6750 §3.1: no error code when no token was sent.
      expect(response.headers['www-authenticate']).toBe('Bearer realm="oriental"');
    });

    it('when it asks /health, then it is answered: the probes need no token', async () => {
      const response = await answer(request(service.url).get('/health'));
      expect(response.status).toBe(200);
    });
  });

  describe('given a bearer token the service must not trust', () => {
    const now = () => Math.floor(Date.now() / 1000);
    /** The claims of a valid Oujda agent's token, for tokens made by hand. */
    const agentClaims = () => ({
      iss: EMBEDDED_ISSUER,
      aud: config.OIDC_AUDIENCE,
      sub: 'agent:oujda-1',
      iat: now(),
      exp: now() + 3600,
      realm_access: { roles: ['cell_agent'] },
      cell_id: 'oujda',
    });
    const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    it.each<[string, () => Promise<string>]>([
      ['not a JWT', async () => 'Bearer not-a-jwt'],
      ['another scheme (Basic)', async () => `Basic ${Buffer.from('agent:secret').toString('base64')}`],
      ['a JWT of the right issuer that expired an hour ago', async () => `Bearer ${await issueToken(config, { ...CALLERS.oujda, ttlSeconds: -3600 })}`],
      ['a JWT for another audience', async () => `Bearer ${await issueToken(loadConfig({ DATA_DIR: dataDir, OIDC_AUDIENCE: 'another-api' }), CALLERS.oujda)}`],
      ['a JWT signed by another issuer key', async () => `Bearer ${await issueToken(loadConfig({ DATA_DIR: otherIssuerDir }), CALLERS.oujda)}`],
      ['a JWT with alg "none" and no signature', async () => `Bearer ${segment({ alg: 'none', typ: 'JWT' })}.${segment(agentClaims())}.`],
      ['a JWT with alg "none" and a signature part', async () => `Bearer ${segment({ alg: 'none', typ: 'JWT' })}.${segment(agentClaims())}.AAAA`],
      [
        'a JWT signed with a shared secret (HS256)',
        async () => `Bearer ${await new SignJWT(agentClaims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'))}`,
      ],
      [
        'a valid JWT whose payload was swapped for a regional coordinator’s',
        async () => {
          const [header, , signature] = (await issueToken(config, CALLERS.oujda)).split('.');
          return `Bearer ${header}.${segment({ ...agentClaims(), realm_access: { roles: ['regional_coordinator'] } })}.${signature}`;
        },
      ],
      ['a valid JWT with a role the network does not know', async () => `Bearer ${await issueToken(config, { role: 'admin' as Role, subject: 'root' })}`],
      ['a valid JWT of a cell agent naming no cell', async () => `Bearer ${await issueToken(config, { role: 'cell_agent', subject: 'agent:nowhere' })}`],
    ])('when it is %s, then a command and a read get 401 TOKEN_INVALID with WWW-Authenticate, and nothing is appended', async (_token, make) => {
      const id = await register();
      const authorization = await make();

      const registration = await refusedWithNothingAppended(() => command('/beneficiaries', aRegistrationBody(), 'oujda', { authorization }), 401, 'TOKEN_INVALID');
      const reading = await refusedWithNothingAppended(() => read(id, 'oujda', 'casework', authorization), 401, 'TOKEN_INVALID');

      for (const response of [registration, reading]) expect(response.headers['www-authenticate']).toBe('Bearer realm="oriental", error="invalid_token"');
      expect(await accessLog(id)).toEqual([]);
    });
  });

  describe('given an Oujda case and a Nador cell agent', () => {
    let id: string;
    beforeAll(async () => {
      id = await register('oujda');
    });

    it('when the Nador agent reads it, then they get 404 BENEFICIARY_NOT_FOUND, as for a case that does not exist, and no read is logged', async () => {
      const response = await refusedWithNothingAppended(() => read(id, 'nador'), 404, 'BENEFICIARY_NOT_FOUND');
      const unknown = await read(UNKNOWN_ID, 'nador');
      expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: response.status, code: response.body.code });
      expect(await accessLog(id)).toEqual([]);
    });

    it.each<[string, object | undefined]>([
      ['/profile', { profile: { languages: ['arabic'] } }],
      ['/consents', { purpose: 'sharing', given: true }],
      ['/needs', { needs: [{ code: 'legal_aid', priority: 'high' }] }],
      ['/follow-ups', { dueDate: '2026-12-10' }],
      ['/transfers', { toCellId: 'nador', reason: 'moved' }],
      [`/transfers/${UNKNOWN_ID}/accept`, undefined],
      [`/transfers/${UNKNOWN_ID}/decline`, {}],
      ['/close', { reason: 'resolved' }],
      [`/duplicates/${UNKNOWN_ID}/link`, undefined],
    ])('when the Nador agent sends POST %s on it, then they get 404 BENEFICIARY_NOT_FOUND and nothing is appended', async (path, body) => {
      const before = await caseEvents(id);
      await refusedWithNothingAppended(() => command(`/beneficiaries/${id}${path}`, body, 'nador'), 404, 'BENEFICIARY_NOT_FOUND');
      expect(await caseEvents(id)).toEqual(before);
    });

    it.each(['link', 'dismiss'])('when the Nador agent sends POST /duplicates/{another Oujda case}/%s on it, then they get 404 BENEFICIARY_NOT_FOUND and nothing is appended', async (decision) => {
      const other = await register('oujda');
      const before = await caseEvents(id);
      await refusedWithNothingAppended(() => command(`/beneficiaries/${id}/duplicates/${other}/${decision}`, undefined, 'nador'), 404, 'BENEFICIARY_NOT_FOUND');
      expect(await caseEvents(id)).toEqual(before);
    });

    it("when the Nador agent asks for Oujda's overdue follow-ups, then they get 403 CELL_NOT_YOURS", async () => {
      await refusedWithNothingAppended(() => answer(request(service.url).get('/cells/oujda/follow-ups/overdue').set('Authorization', `Bearer ${tokens.nador}`)), 403, 'CELL_NOT_YOURS');
    });

    it('when an Oujda agent sends the same command, then it is applied: the case is theirs', async () => {
      const response = await command(`/beneficiaries/${id}/needs`, { needs: [{ code: 'legal_aid', priority: 'high' }] }, 'oujda');
      expect(response.status).toBe(200);
    });
  });

  describe('given a cell agent registering a person', () => {
    it('when they register into another cell, then they get 403 CELL_NOT_YOURS and nothing is appended', async () => {
      await refusedWithNothingAppended(() => command('/beneficiaries', aRegistrationBody({ cellId: 'oujda' }), 'nador'), 403, 'CELL_NOT_YOURS');
    });

    it('when they register into their own cell, then the case is registered there', async () => {
      const id = await register('nador', 'nador');
      const [registered] = await caseEvents(id);
      expect(registered!.metadata).toMatchObject({ cellId: 'nador', actor: CALLERS.nador.subject });
    });
  });

  describe('given a trainer (capacity building, no casework)', () => {
    let id: string;
    beforeAll(async () => {
      id = await register('oujda');
    });

    it.each<[string, () => Promise<request.Response>]>([
      ['POST /beneficiaries', () => command('/beneficiaries', aRegistrationBody(), 'trainer')],
      ['GET /beneficiaries/{id}', () => read(id, 'trainer')],
      ['POST /beneficiaries/{id}/needs', () => command(`/beneficiaries/${id}/needs`, { needs: [{ code: 'health', priority: 'high' }] }, 'trainer')],
      ['GET /cells/{cellId}/follow-ups/overdue', () => answer(request(service.url).get('/cells/oujda/follow-ups/overdue').set('Authorization', `Bearer ${tokens.trainer}`))],
    ])('when they call %s, then they get 403 ROLE_NOT_ALLOWED and nothing is appended', async (_route, call) => {
      await refusedWithNothingAppended(call, 403, 'ROLE_NOT_ALLOWED');
      expect(await accessLog(id)).toEqual([]);
    });
  });

  describe('given an Idempotency-Key already used by one subject', () => {
    it('when another subject sends the same key and body to register, then they get 409 IDEMPOTENCY_KEY_REUSED and nothing is appended; the first subject’s retry is still answered', async () => {
      const idempotencyKey = newKey();
      const body = aRegistrationBody({ person: { firstName: 'Nadia', lastName: 'Kettani' } });
      const first = await command('/beneficiaries', body, 'oujda', { key: idempotencyKey });
      expect(first.status).toBe(201);

      await refusedWithNothingAppended(() => command('/beneficiaries', body, 'oujdaColleague', { key: idempotencyKey }), 409, 'IDEMPOTENCY_KEY_REUSED');

      const retry = await command('/beneficiaries', body, 'oujda', { key: idempotencyKey });
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body.beneficiaryId).toBe(first.body.beneficiaryId);
    });

    it('when another subject sends the same key and body as a case command, then they get 409 and the case does not move', async () => {
      const id = await register('oujda');
      const idempotencyKey = newKey();
      const needs = { needs: [{ code: 'housing', priority: 'medium' }] };
      expect((await command(`/beneficiaries/${id}/needs`, needs, 'oujda', { key: idempotencyKey })).status).toBe(200);
      const before = await caseEvents(id);

      await refusedWithNothingAppended(() => command(`/beneficiaries/${id}/needs`, needs, 'oujdaColleague', { key: idempotencyKey }), 409, 'IDEMPOTENCY_KEY_REUSED');

      expect(await caseEvents(id)).toEqual(before);
    });
  });

  describe('given a caller who also sends an X-Actor header', () => {
    it("when they register and command, then every event's metadata.actor is their token's subject, and the header is nowhere", async () => {
      const headers = { 'X-Actor': 'agent:impostor' };
      const registered = await command('/beneficiaries', aRegistrationBody(), 'oujda', { headers });
      expect(registered.status).toBe(201);
      const id = registered.body.beneficiaryId as string;
      expect((await command(`/beneficiaries/${id}/consents`, { purpose: 'sharing', given: true }, 'oujda', { headers })).status).toBe(200);

      const events = await caseEvents(id);
      expect(events.map((event) => event.type)).toEqual(['BeneficiaryRegistered', 'ConsentGiven']);
      for (const event of events) expect(event.metadata.actor).toBe(CALLERS.oujda.subject);
      expect(events[1]!.data).toMatchObject({ actor: CALLERS.oujda.subject });
      expect(JSON.stringify(events)).not.toMatch(/impostor/);
    });
  });

  describe('given a case read by its cell and the coordinators above it', () => {
    let id: string;
    beforeAll(async () => {
      id = await register('oujda');
    });

    it('when it is read three times, then each GET appends one PersonalDataRead to access-<id>, with the purpose, the reader and their role, and the case itself does not move', async () => {
      const caseBefore = await caseEvents(id);
      const reads: [Caller, string][] = [
        ['oujda', 'casework'],
        ['oujdaAngadCoordinator', 'follow_up'],
        ['region', 'audit'],
      ];
      for (const [as, purpose] of reads) {
        const response = await read(id, as, purpose);
        expect(response.status).toBe(200);
        expect(response.body.person).toMatchObject({ firstName: 'Amina', lastName: 'Benali' });
      }

      const log = await accessLog(id);
      expect(log.map((event) => event.type)).toEqual([PERSONAL_DATA_READ, PERSONAL_DATA_READ, PERSONAL_DATA_READ]);
      expect(log.map((event) => ({ reader: event.metadata.actor, data: event.data }))).toEqual([
        { reader: CALLERS.oujda.subject, data: { beneficiaryId: id, record: 'case', purpose: 'casework', role: 'cell_agent', readerCellId: 'oujda' } },
        { reader: CALLERS.oujdaAngadCoordinator.subject, data: { beneficiaryId: id, record: 'case', purpose: 'follow_up', role: 'provincial_coordinator' } },
        { reader: CALLERS.region.subject, data: { beneficiaryId: id, record: 'case', purpose: 'audit', role: 'regional_coordinator' } },
      ]);
      for (const event of log) expect(event.metadata.occurredAt).toBe(TODAY);
      expect(await caseEvents(id)).toEqual(caseBefore);
    });

    it('when a read states no purpose, then it gets 400 PURPOSE_REQUIRED and no read is logged', async () => {
      const before = await accessLog(id);
      await refusedWithNothingAppended(() => read(id, 'oujda', null), 400, 'PURPOSE_REQUIRED');
      expect(await accessLog(id)).toEqual(before);
    });

    it('when a read states a purpose outside the list, then it gets 400 PURPOSE_INVALID and no read is logged', async () => {
      const before = await accessLog(id);
      await refusedWithNothingAppended(() => read(id, 'oujda', 'curiosity'), 400, 'PURPOSE_INVALID');
      expect(await accessLog(id)).toEqual(before);
    });

    it("when the coordinator of Oujda-Angad reads it, then they get the case; the coordinator of another province gets 404 and no read is logged", async () => {
      const mine = await read(id, 'oujdaAngadCoordinator', 'follow_up');
      expect(mine.status).toBe(200);
      expect(mine.body).toMatchObject({ beneficiaryId: id, cellId: 'oujda' });
      const before = await accessLog(id);

      await refusedWithNothingAppended(() => read(id, 'nadorCoordinator', 'follow_up'), 404, 'BENEFICIARY_NOT_FOUND');

      expect(await accessLog(id)).toEqual(before);
    });
  });

  describe('given a transfer of an Oujda case pending to Nador', () => {
    let id: string;
    let transferId: string;
    beforeAll(async () => {
      id = await register('oujda');
      const requested = await command(`/beneficiaries/${id}/transfers`, { toCellId: 'nador', reason: 'moved' }, 'oujda');
      expect(requested.status).toBe(201);
      transferId = requested.body.transferId;
    });

    it('when the agent of a third cell tries to accept it, then they get 404 BENEFICIARY_NOT_FOUND and nothing is appended', async () => {
      await refusedWithNothingAppended(() => command(`/beneficiaries/${id}/transfers/${transferId}/accept`, undefined, 'berkane'), 404, 'BENEFICIARY_NOT_FOUND');
    });

    it.each(['accept', 'decline'])('when the Oujda agent who asked for it tries to %s it, then they get 403 CELL_NOT_YOURS and nothing is appended: the receiving cell answers', async (answer) => {
      await refusedWithNothingAppended(() => command(`/beneficiaries/${id}/transfers/${transferId}/${answer}`, answer === 'accept' ? undefined : {}, 'oujda'), 403, 'CELL_NOT_YOURS');
    });

    it('when the Nador agent accepts it, then the case is Nador’s, its agent the actor; Nador now reads it and Oujda no longer does', async () => {
      const accepted = await command(`/beneficiaries/${id}/transfers/${transferId}/accept`, undefined, 'nador');
      expect(accepted.status).toBe(200);

      const [last] = (await caseEvents(id)).slice(-1);
      expect(last).toMatchObject({ type: 'TransferAccepted', data: { fromCellId: 'oujda', toCellId: 'nador' }, metadata: { actor: CALLERS.nador.subject } });
      const now = await read(id, 'nador', 'transfer');
      expect(now.status).toBe(200);
      expect(now.body).toMatchObject({ cellId: 'nador', pendingTransfer: null });
      await refusedWithNothingAppended(() => read(id, 'oujda'), 404, 'BENEFICIARY_NOT_FOUND');
    });
  });
});
