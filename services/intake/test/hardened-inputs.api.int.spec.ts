import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { SqliteKeyStore } from '@oriental/key-store';
import { aRegistrationBody } from '../src/testing';

/**
 * Inputs a new user found to answer 500, to be stored silently, or to leave a vault key behind
 * (issue 7): each is refused with a 400 problem, and nothing is appended or written on any.
 */
let key = 0;
const newKey = () => `hardened-${process.pid}-${++key}-${Date.now()}`;

describe('intake API, hardened inputs', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let store: EventStore;
  /** An Oujda cell agent's token: aRegistrationBody registers at Oujda. */
  let agent: string;

  const allEvents = async () => (await store.readAll({ maxCount: 10_000, streamPrefixes: ['beneficiary-'] })).events.length;
  /** Every key the key store holds (intake's own file, read through a connection of this spec's). */
  let keyStore: SqliteKeyStore;
  const vaultKeys = async () => {
    const { byMasterKey, destroyed } = await keyStore.counts();
    return Object.values(byMasterKey).reduce((sum, n) => sum + n, destroyed);
  };
  const post = (idempotencyKey = newKey()) =>
    request(service.url).post('/beneficiaries').set('Authorization', `Bearer ${agent}`).set('Idempotency-Key', idempotencyKey);
  /** Sends the body exactly as written: JSON.stringify cannot write duplicate keys or `__proto__`. */
  const postRaw = (json: string, idempotencyKey = newKey()) => post(idempotencyKey).set('Content-Type', 'application/json').send(json);
  const registrationJson = (person: string) => JSON.stringify(aRegistrationBody()).replace(/"person":\{.*\}\}$/, `"person":${person}}`);

  /** Runs the request and checks that it wrote nothing: no event, no personal-data key. */
  const refused = async (call: () => request.Test, status = 400) => {
    const [events, keys] = [await allEvents(), await vaultKeys()];
    const response = await call();
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await allEvents()).toBe(events);
    expect(await vaultKeys()).toBe(keys);
    return response.body as { code: string; status: number; errors?: { field: string; message: string }[] };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-hardened-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'intake');
    store = infrastructure.eventStore;
    service = await startService(intakeService, {
      config,
      infrastructure,
      clock: fixedClock('2026-07-15T09:30:00.000Z'),
      port: 0,
      logger: new JsonLogger('intake', 'error'),
    });
    agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    keyStore = new SqliteKeyStore(join(dataDir, 'keys.sqlite'));
  });

  afterAll(async () => {
    await keyStore.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('Idempotency-Key length', () => {
    it('accepts the longest key whose causation id fits the envelope', async () => {
      await post('k'.repeat(195)).send(aRegistrationBody()).expect(201);
    });

    it.each([196, 255, 256])('refuses a key of %i characters with 400 IDEMPOTENCY_KEY_INVALID, before any vault key is written', async (length) => {
      const body = await refused(() => post('k'.repeat(length)).send(aRegistrationBody()));
      expect(body).toMatchObject({ status: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
    });
  });

  describe('nesting', () => {
    it('refuses a body nested 10,000 levels deep with 400 BODY_TOO_DEEP', async () => {
      const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      expect(await refused(() => postRaw(deep))).toMatchObject({ status: 400, code: 'BODY_TOO_DEEP' });
    });

    it('refuses an array nested past the limit inside a valid registration', async () => {
      const json = JSON.stringify(aRegistrationBody()).replace(/^\{/, `{"extra":${'['.repeat(33)}${']'.repeat(33)},`);
      expect(await refused(() => postRaw(json))).toMatchObject({ code: 'BODY_TOO_DEEP' });
    });
  });

  describe('prototype keys', () => {
    it.each(['__proto__', 'constructor', 'prototype'])('refuses "%s" at the top level as an unknown field', async (name) => {
      const json = JSON.stringify(aRegistrationBody()).replace(/^\{/, `{"${name}":{"admin":true},`);
      const body = await refused(() => postRaw(json));
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(body.errors).toEqual([{ field: name, message: 'should not exist' }]);
    });

    it('refuses them nested too', async () => {
      const body = await refused(() => postRaw(registrationJson('{"firstName":"Amina","lastName":"Benali","__proto__":{"x":1},"constructor":1}')));
      expect(body.errors).toEqual(
        expect.arrayContaining([
          { field: 'person.__proto__', message: 'should not exist' },
          { field: 'person.constructor', message: 'should not exist' },
        ]),
      );
    });
  });

  describe('duplicate keys', () => {
    it('refuses a duplicate key at the top level with 400 DUPLICATE_JSON_KEY', async () => {
      const json = JSON.stringify(aRegistrationBody()).replace(/^\{/, '{"cellId":"nador",');
      const body = await refused(() => postRaw(json));
      expect(body).toMatchObject({ status: 400, code: 'DUPLICATE_JSON_KEY', errors: [{ field: 'cellId', message: 'appears more than once' }] });
    });

    it('refuses one nested, even when written with escapes', async () => {
      const body = await refused(() => postRaw(registrationJson('{"firstName":"Amina","lastName":"Benali","first\\u004eame":"Eve"}')));
      expect(body).toMatchObject({ code: 'DUPLICATE_JSON_KEY', errors: [{ field: 'person.firstName', message: 'appears more than once' }] });
    });

    it('accepts the same key in sibling objects', async () => {
      const json = registrationJson('{"firstName":"Amina","lastName":"Benali","documentNumbers":[{"kind":"cnie","number":"AB1"},{"kind":"passport","number":"P2"}]}');
      await postRaw(json).expect(201);
    });
  });

  describe('personal-data text', () => {
    it.each([
      ['a NUL', 'Ami\u0000na', 'must not contain control characters'],
      ['a control character', 'Ami\u001bna', 'must not contain control characters'],
      ['a bidi override', 'Ami\u202ena', 'must not contain bidirectional control characters'],
      ['only zero-width characters', '\u200b\u200d\ufeff', 'must not be blank'],
      ['only spaces', '   ', 'must not be blank'],
      ['a lone surrogate', 'Ami\ud800na', 'must not contain unpaired surrogates'],
    ])('refuses a first name with %s', async (_what, firstName, message) => {
      const body = await refused(() => post().send(aRegistrationBody({ person: { firstName, lastName: 'Benali' } })));
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'person.firstName', message }] });
    });

    it('stores names in NFC, so one spelling matches another', async () => {
      const decomposed = 'Zine\u0301b';
      const first = await post().send(aRegistrationBody({ person: { firstName: decomposed, lastName: 'Hakimi-NFC', phone: '+212611111111' } })).expect(201);
      const { body } = await request(service.url).get(`/beneficiaries/${first.body.beneficiaryId}`).set('Authorization', `Bearer ${agent}`).set('X-Purpose', 'casework').expect(200);
      expect(body.person.firstName).toBe('Zin\u00e9b');
    });

    it('keeps line breaks in notes and ZWNJ inside a name', async () => {
      await post()
        .send(aRegistrationBody({ person: { firstName: 'Mi\u200cna', lastName: 'Benali', notes: 'First visit.\nCame back in July.' } }))
        .expect(201);
    });
  });
});
