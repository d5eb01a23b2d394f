import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody } from '../src/testing';

const registration = aRegistrationBody;

let key = 0;
const newKey = () => `test-key-${process.pid}-${++key}-${Date.now()}`;

describe('intake API', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let store: EventStore;
  /** A cell agent of Oujda, where aRegistrationBody registers: the subject is the actor of what they do. */
  let agent: string;
  let config: ServiceConfig;
  const ACTOR = 'agent:oujda-1';
  const clock = fixedClock('2026-07-15T09:30:00.000Z');

  const allEvents = async () => (await store.readAll({ maxCount: 10_000, streamPrefixes: ['beneficiary-'] })).events;
  const register = (body: unknown, idempotencyKey: string | null = newKey()) => {
    const call = request(service.url).post('/beneficiaries').set('Authorization', `Bearer ${agent}`);
    if (idempotencyKey) call.set('Idempotency-Key', idempotencyKey);
    return call.send(body as object);
  };
  /** Reads a case as the Oujda agent, for casework. */
  const read = (id: string) => request(service.url).get(`/beneficiaries/${id}`).set('Authorization', `Bearer ${agent}`).set('X-Purpose', 'casework');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-api-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'intake');
    store = infrastructure.eventStore;
    service = await startService(intakeService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('intake', 'error') });
    agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: ACTOR });
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('POST /beneficiaries', () => {
    it('registers a beneficiary: 201 with the new id, an ETag and a Location', async () => {
      const response = await register(registration()).expect(201);
      expect(response.body).toEqual({ beneficiaryId: expect.stringMatching(/^[0-9a-f-]{36}$/), possibleDuplicates: [] });
      expect(response.headers.etag).toBe('"0"');
      expect(response.headers.location).toBe(`/beneficiaries/${response.body.beneficiaryId}`);

      const journey = await store.readJourney(response.body.beneficiaryId);
      expect(journey.map((e) => e.type)).toEqual(['BeneficiaryRegistered']);
      expect(journey[0]!.metadata).toMatchObject({
        beneficiaryId: response.body.beneficiaryId,
        cellId: 'oujda',
        actor: ACTOR,
        occurredAt: '2026-07-15T09:30:00.000Z',
      });
    });

    it('stores personal data encrypted, never in clear', async () => {
      const { body } = await register(registration()).expect(201);
      const [event] = await store.readJourney(body.beneficiaryId);
      const stored = JSON.stringify(event!.data);
      expect(stored).not.toMatch(/Amina|Benali|212600000000/);
      expect((event!.data as { person: { alg: string } }).person.alg).toBe('A256GCM');
    });

    it('answers a retry with the same key and body with the same id, appending nothing', async () => {
      const idempotencyKey = newKey();
      const first = await register(registration(), idempotencyKey).expect(201);
      const before = (await allEvents()).length;
      const retry = await register(registration(), idempotencyKey).expect(201);
      expect(retry.body.beneficiaryId).toBe(first.body.beneficiaryId);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((await allEvents()).length).toBe(before);
    });

    it('treats concurrent retries of one request as one registration', async () => {
      const idempotencyKey = newKey();
      const responses = await Promise.all(Array.from({ length: 5 }, () => register(registration(), idempotencyKey)));
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(responses.map((r) => r.body.beneficiaryId)).size).toBe(1);
      expect(await store.readJourney(responses[0]!.body.beneficiaryId)).toHaveLength(1);
    });

    it('refuses the same key with another body: 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const idempotencyKey = newKey();
      await register(registration(), idempotencyKey).expect(201);
      const before = (await allEvents()).length;
      const response = await register({ ...registration(), birthYear: 1991 }, idempotencyKey).expect(409);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
      expect((await allEvents()).length).toBe(before);
    });

    it('requires an Idempotency-Key: 400 IDEMPOTENCY_KEY_REQUIRED', async () => {
      const response = await register(registration(), null).expect(400);
      expect(response.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED', status: 400 });
    });

    it.each([
      ['Idempotency-Key', 'short', 'IDEMPOTENCY_KEY_INVALID'],
      ['X-Correlation-Id', 'x'.repeat(201), 'CORRELATION_ID_INVALID'],
      ['If-Match', 'three', 'IF_MATCH_INVALID'],
    ])('refuses an invalid %s header with 400, appending nothing', async (header, value, code) => {
      const before = (await allEvents()).length;
      const response = await register(registration()).set(header, value).expect(400);
      expect(response.body).toMatchObject({ code, status: 400 });
      expect((await allEvents()).length).toBe(before);
    });

    it('refuses a token whose subject could not be an actor (spaces): 401 TOKEN_INVALID, appending nothing', async () => {
      const before = (await allEvents()).length;
      const spaced = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent with spaces' });
      const response = await register(registration()).set('Authorization', `Bearer ${spaced}`).expect(401);
      expect(response.body).toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
      expect((await allEvents()).length).toBe(before);
    });

    it('lists every invalid, missing and unknown field, and appends nothing', async () => {
      const before = (await allEvents()).length;
      const { sex: _sex, ...withoutSex } = registration();
      const response = await register({
        ...withoutSex,
        category: 'tourist',
        birthYear: 'nineteen',
        nationality: 'Morocco',
        consent: { services: 'yes', sharing: false, statistics: true },
        person: { firstName: '', lastName: 'Benali', nickname: 'Mina' },
        favouriteColour: 'blue',
      }).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['sex', 'category', 'birthYear', 'nationality', 'consent.services', 'person.firstName', 'person.nickname', 'favouriteColour']),
      );
      for (const error of response.body.errors) expect(error.message).toEqual(expect.any(String));
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'sex', message: 'is required' },
          { field: 'category', message: 'must be one of: mre, returnee, rpt' },
          { field: 'person.nickname', message: 'should not exist' },
        ]),
      );
      expect((await allEvents()).length).toBe(before);
    });

    it('refuses an unknown cell as a field error, appending nothing', async () => {
      const before = (await allEvents()).length;
      const response = await register({ ...registration(), cellId: 'casablanca' }).expect(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'cellId', message: 'unknown cell "casablanca"' }] });
      expect((await allEvents()).length).toBe(before);
    });

    it('refuses a body that is not JSON: 400 MALFORMED_JSON', async () => {
      const response = await request(service.url)
        .post('/beneficiaries')
        .set('Authorization', `Bearer ${agent}`)
        .set('Idempotency-Key', newKey())
        .set('Content-Type', 'application/json')
        .send('{"cellId": "oujda",')
        .expect(400);
      expect(response.body.code).toBe('MALFORMED_JSON');
    });

    it('refuses a body that is not JSON: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await request(service.url)
        .post('/beneficiaries')
        .set('Authorization', `Bearer ${agent}`)
        .set('Idempotency-Key', newKey())
        .set('Content-Type', 'text/plain')
        .send('cellId=oujda')
        .expect(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses a JSON array with one field error on the body', async () => {
      const response = await register([registration()]).expect(400);
      expect(response.body.errors).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
    });

    it('refuses a registration without consent to services: 422', async () => {
      const response = await register({ ...registration(), consent: { services: false, sharing: false, statistics: false } }).expect(422);
      expect(response.body).toMatchObject({ code: 'CONSENT_TO_SERVICES_REQUIRED', status: 422 });
    });
  });

  describe('GET /beneficiaries/{id}', () => {
    it('answers the current state, with personal data opened for intake', async () => {
      const sent = registration({ category: 'rpt', nationality: 'SN', sex: 'male' });
      const { body } = await register(sent).expect(201);
      const response = await read(body.beneficiaryId).expect(200);
      expect(response.headers.etag).toBe('"0"');
      expect(response.body).toEqual({
        ...sent,
        beneficiaryId: body.beneficiaryId,
        status: 'open',
        profile: {},
        personalData: 'present',
        registeredAt: '2026-07-15T09:30:00.000Z',
        needs: [],
        followUps: [],
        pendingTransfer: null,
        closure: null,
        erasure: null,
        possibleDuplicates: expect.any(Array), // earlier specs registered the same person
        duplicates: [],
        revision: 0,
      });
    });

    it('answers 404 BENEFICIARY_NOT_FOUND for an unknown id', async () => {
      const response = await read('9b2f6a53-4d3c-4f0e-8a51-2c6d7e8f9a0b').expect(404);
      expect(response.body).toMatchObject({ code: 'BENEFICIARY_NOT_FOUND', status: 404 });
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const response = await read('not-a-uuid').expect(400);
      expect(response.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    });
  });

  describe('operations', () => {
    it('reports its event store, bus, read store and key store on /health', async () => {
      const response = await request(service.url).get('/health').expect(200);
      expect(response.body).toMatchObject({
        status: 'up',
        service: 'intake',
        checks: {
          eventStore: { status: 'up', kind: 'sqlite' },
          bus: { status: 'up' },
          readStore: { status: 'up' },
          forwarder: { status: 'up' },
          stores: { keyStore: { status: 'up', kind: 'sqlite' } },
        },
      });
    });

    it('serves its OpenAPI document', async () => {
      const response = await request(service.url).get('/docs/openapi.json').expect(200);
      expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/beneficiaries', '/beneficiaries/{id}', '/health']));
    });

    it('answers unknown routes with problem details', async () => {
      const response = await request(service.url).get('/nowhere').expect(404);
      expect(response.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    });
  });
});
