import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { beneficiaryStream, isSealed } from '@oriental/intake-domain';
import { SqliteKeyStore } from '@oriental/key-store';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { DUPLICATE_INDEX } from '../src/duplicates/duplicate-index';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody } from '../src/testing';

let key = 0;
const newKey = () => `erasure-key-${process.pid}-${++key}-${Date.now()}`;
const TODAY = '2026-12-01T10:00:00.000Z';

/** Oujda's agent registers and works on cases; Oujda's supervisor erases; Nador's supervisor sees no Oujda case. */
const CALLERS = {
  agent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  supervisor: { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda-1' },
  nador: { role: 'cell_supervisor', cellId: 'nador', subject: 'supervisor:nador-1' },
} as const;
type Caller = keyof typeof CALLERS;

/**
 * `POST /beneficiaries/{id}/erasure` (issue 7, ADR 0012): the person's key is destroyed after the
 * erasure is appended; their personal data is unreadable from then on, nothing personal is
 * recorded for them again, and they are found under no duplicate-detection hash.
 */
describe('intake API, erasure of personal data', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let store: EventStore;
  let keys: SqliteKeyStore;
  const clock = fixedClock(TODAY);
  const tokens = {} as Record<Caller, string>;

  const post = (path: string, body: object | undefined, { as = 'agent', key: idempotencyKey = newKey() }: { as?: Caller; key?: string } = {}) => {
    const call = request(service.url).post(path).set('Idempotency-Key', idempotencyKey).set('Authorization', `Bearer ${tokens[as]}`);
    return body === undefined ? call : call.send(body);
  };
  const erase = (id: string, options: { as?: Caller; key?: string } = {}, reason = 'person_request') => post(`/beneficiaries/${id}/erasure`, { reason }, { as: 'supervisor', ...options });
  const get = (id: string) => request(service.url).get(`/beneficiaries/${id}`).set('Authorization', `Bearer ${tokens.agent}`).set('X-Purpose', 'casework');
  const register = async (person = { firstName: 'Samira', lastName: 'Ouazzani', phone: '+212655443322' }) =>
    (await post('/beneficiaries', aRegistrationBody({ person })).expect(201)).body.beneficiaryId as string;
  const revisionOf = async (id: string) => (await store.readStream(beneficiaryStream(id))).length - 1;
  const indexEntry = (id: string) => infrastructure.readStore.collection<{ nameHash: string | null; phoneHash: string | null }>(DUPLICATE_INDEX).get(id);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-erasure-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'intake');
    store = infrastructure.eventStore;
    service = await startService(intakeService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('intake', 'error') });
    // The key store intake opened, read through a connection of its own (the file is not locked to one process).
    keys = new SqliteKeyStore(join(dataDir, 'keys.sqlite'));
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(config, claims);
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await keys.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when the cell supervisor erases a person', () => {
    it('appends the erasure, destroys the key, and the case answers erased with no personal value left', async () => {
      const id = await register();
      await post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-20', note: 'Call her cousin Samir' }).expect(201);
      expect(await keys.get(id)).toMatchObject({ status: 'active' });

      const response = await erase(id).expect(200);

      expect(response).toSatisfyApiSpec();
      expect(response.body).toEqual({ beneficiaryId: id, revision: 2, changed: true });
      expect(response.headers.etag).toBe('"2"');
      expect(await keys.get(id)).toEqual({ id, status: 'destroyed', destroyedAt: TODAY });
      const stream = await store.readStream(beneficiaryStream(id));
      expect(stream.map((event) => event.type)).toEqual(['BeneficiaryRegistered', 'FollowUpScheduled', 'PersonalDataErased']);
      expect(stream[2]!.data).toEqual({ beneficiaryId: id, reason: 'person_request', erasedAt: TODAY });
      expect(stream[2]!.metadata.actor).toBe('supervisor:oujda-1');
      // The sealed values stay in the log, as they were: their key is what is gone.
      expect(isSealed((stream[0]!.data as { person: unknown }).person)).toBe(true);

      const answer = await get(id).expect(200);
      expect(answer).toSatisfyApiSpec();
      expect(answer.body).toMatchObject({ personalData: 'erased', person: null, erasure: { reason: 'person_request', erasedAt: TODAY }, status: 'open', category: 'mre' });
      expect(answer.body.followUps).toEqual([expect.objectContaining({ dueDate: '2026-12-20', note: null })]);
      expect(JSON.stringify(answer.body)).not.toMatch(/Samira|Ouazzani|655443322|Samir/);
    });

    it('answers a retry with the same Idempotency-Key from the stream, and a later request changes nothing; both destroy the key again', async () => {
      const id = await register();
      const idempotencyKey = newKey();
      await erase(id, { key: idempotencyKey }).expect(200);

      const retry = await erase(id, { key: idempotencyKey }).expect(200);
      const again = await erase(id, {}, 'retention_expired').expect(200);

      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual({ beneficiaryId: id, revision: 1, changed: true });
      expect(again.body).toEqual({ beneficiaryId: id, revision: 1, changed: false });
      expect(await revisionOf(id)).toBe(1);
    });

    it('destroys the key when an earlier erasure was appended but its process died before the destruction', async () => {
      const id = await register();
      // The event alone, as a crash right after the append leaves it.
      await store.appendToStream(
        beneficiaryStream(id),
        [
          {
            id: randomUUID(),
            type: 'PersonalDataErased',
            schemaVersion: 1,
            data: { beneficiaryId: id, reason: 'person_request', erasedAt: TODAY },
            metadata: { beneficiaryId: id, cellId: 'oujda', correlationId: 'c', causationId: 'c', actor: 'supervisor:oujda-1', occurredAt: TODAY },
          },
        ],
        { expectedRevision: 0 },
      );
      expect(await keys.get(id)).toMatchObject({ status: 'active' });
      // The case says erased and takes no personal data, though the key still exists.
      expect((await post(`/beneficiaries/${id}/profile`, { person: { lastName: 'Other' } })).body.code).toBe('PERSONAL_DATA_ERASED');

      const response = await erase(id).expect(200);

      expect(response.body.changed).toBe(false);
      expect(await keys.get(id)).toMatchObject({ status: 'destroyed' });
      expect((await get(id).expect(200)).body).toMatchObject({ personalData: 'erased', person: null });
    });
  });

  describe('after the erasure', () => {
    let id: string;
    beforeAll(async () => {
      id = await register({ firstName: 'Hakim', lastName: 'Berrada', phone: '+212644332211' });
      await erase(id).expect(200);
    });

    it('refuses a correction of personal data: 422 PERSONAL_DATA_ERASED, nothing appended, no key made', async () => {
      const before = await revisionOf(id);
      const response = await post(`/beneficiaries/${id}/profile`, { person: { phone: '+212600000001' } });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 422, code: 'PERSONAL_DATA_ERASED' });
      expect(response).toSatisfyApiSpec();
      expect(await revisionOf(id)).toBe(before);
      expect(await keys.get(id)).toMatchObject({ status: 'destroyed' });
    });

    it('refuses a note (personal data too), and takes the casework without one', async () => {
      expect((await post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-20', note: 'Any note' })).body.code).toBe('PERSONAL_DATA_ERASED');
      await post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-20' }).expect(201);
      await post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'legal_aid', priority: 'high' }] }).expect(200);
      await post(`/beneficiaries/${id}/profile`, { profile: { languages: ['arabic'] } }).expect(200);
    });

    it('finds the person under no duplicate-detection hash: a registration with their phone and name finds nobody', async () => {
      await eventually(async () => expect((await indexEntry(id))?.data).toEqual({ nameHash: null, phoneHash: null }));
      const response = await post('/beneficiaries', aRegistrationBody({ person: { firstName: 'Hakim', lastName: 'Berrada', phone: '+212644332211' } })).expect(201);
      expect(response.body.possibleDuplicates).toEqual([]);
    });
  });

  describe('who may erase', () => {
    it('refuses a cell agent (403) and answers another cell\'s supervisor 404, erasing nothing', async () => {
      const id = await register();
      const byAgent = await erase(id, { as: 'agent' });
      const byNador = await erase(id, { as: 'nador' });
      expect(byAgent.status).toBe(403);
      expect({ status: byNador.status, code: byNador.body.code }).toEqual({ status: 404, code: 'BENEFICIARY_NOT_FOUND' });
      expect(await revisionOf(id)).toBe(0);
      expect(await keys.get(id)).toMatchObject({ status: 'active' });
    });
  });

  describe('a malformed request', () => {
    it('answers 400 for a reason outside the list or free text, 404 for an unknown beneficiary, and destroys nothing', async () => {
      const id = await register();
      expect((await post(`/beneficiaries/${id}/erasure`, { reason: 'because' }, { as: 'supervisor' })).status).toBe(400);
      expect((await post(`/beneficiaries/${id}/erasure`, { reason: 'person_request', note: 'Samira asked' }, { as: 'supervisor' })).status).toBe(400);
      const unknown = randomUUID();
      const response = await erase(unknown);
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 404, code: 'BENEFICIARY_NOT_FOUND' });
      expect(await keys.get(unknown)).toBeUndefined();
      expect(await keys.get(id)).toMatchObject({ status: 'active' });
    });
  });
});
