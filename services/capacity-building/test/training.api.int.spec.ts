import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@oriental/contracts';
import { participantStream, sessionStream } from '@oriental/capacity-building-domain';
import { EventStore } from '@oriental/event-store';
import { createKeyStore } from '@oriental/key-store';
import type { BusMessage } from '@oriental/messaging';
import { dataFile, fixedClock, Infrastructure, issueToken, JsonLogger, KEY_STORE_FILE, loadConfig, openInfrastructure, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { capacityBuildingService } from '../src/capacity-building.service';

let keys = 0;
const newKey = () => `training-key-${process.pid}-${++keys}-${Date.now()}`;
/** 20 May 2026, 11:00 in Oujda. */
const TODAY = '2026-05-20T10:00:00.000Z';
const UNKNOWN_ID = '9b2f6a53-4d3c-4f0e-8a51-2c6d7e8f9a0b';

/** A programme of five days at least four of which must be attended (0.8). */
const aProgramme = (overrides: object = {}) => ({
  title: 'Accueil et orientation des MRE',
  objectives: 'Recevoir un MRE, identifier ses besoins, l’orienter vers les partenaires',
  targetActorTypes: ['cell_officer', 'civil_society_member'],
  minAttendance: 0.8,
  ...overrides,
});
/** Five session days, 4 to 8 May, over before TODAY. */
const aSession = (programmeId: string, overrides: object = {}) => ({
  programmeId,
  cellId: 'oujda',
  startDate: '2026-05-04',
  endDate: '2026-05-08',
  capacity: 2,
  trainer: 'Samira Benali',
  modality: 'in_person',
  ...overrides,
});
const aParticipant = (firstName: string, lastName: string, overrides: object = {}) => ({
  actorType: 'cell_officer',
  organisation: 'Cellule d’accueil d’Oujda',
  commune: 'oujda',
  sex: 'female',
  names: { firstName, lastName },
  ...overrides,
});
const SESSION_DAYS = ['2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08'];

const CALLERS = {
  trainer: { role: 'trainer', subject: 'trainer:oujda-1' },
  otherTrainer: { role: 'trainer', subject: 'trainer:nador-1' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region-1' },
  province: { role: 'provincial_coordinator', province: 'berkane', subject: 'coordinator:berkane' },
  auditor: { role: 'auditor', subject: 'auditor:1' },
  agent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
} as const satisfies Record<string, TokenRequest>;
type Caller = keyof typeof CALLERS;

describe('capacity-building training API', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let store: EventStore;
  const clock = fixedClock(TODAY);
  const tokens = {} as Record<Caller, string>;
  const published: BusMessage[] = [];

  const post = (path: string, body?: object, options: { key?: string; ifMatch?: string; as?: Caller } = {}) => {
    const call = request(service.url)
      .post(path)
      .set('Idempotency-Key', options.key ?? newKey())
      .set('Authorization', `Bearer ${tokens[options.as ?? 'trainer']}`);
    if (options.ifMatch) call.set('If-Match', options.ifMatch);
    return body === undefined ? call : call.send(body);
  };
  const get = (path: string, as: Caller | null = 'trainer') => {
    const call = request(service.url).get(path);
    return as ? call.set('Authorization', `Bearer ${tokens[as]}`) : call;
  };
  /** The log's length: what "nothing appended" is checked against. */
  const logLength = async () => (await store.readAll({ maxCount: 100_000 })).events.length;
  /** The call is refused with `status` and `code`, as documented, and nothing was appended. */
  const refused = async (call: () => request.Test, status: number, code: string) => {
    const before = await logLength();
    const response = await call();
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response).toSatisfyApiSpec();
    expect(await logLength()).toBe(before);
    return response;
  };
  const ok = async (call: request.Test, status = 200) => {
    const response = await call;
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    expect(response).toSatisfyApiSpec();
    return response;
  };

  const createProgramme = async (overrides: object = {}): Promise<string> => (await ok(post('/programmes', aProgramme(overrides)), 201)).body.programmeId;
  const scheduleSession = async (programmeId: string, overrides: object = {}): Promise<string> => (await ok(post('/sessions', aSession(programmeId, overrides)), 201)).body.sessionId;
  const registerParticipant = async (firstName: string, lastName: string, overrides: object = {}): Promise<string> =>
    (await ok(post('/participants', aParticipant(firstName, lastName, overrides)), 201)).body.participantId;
  const enrol = async (sessionId: string, participantId: string) => (await ok(post(`/sessions/${sessionId}/enrolments`, { participantId }))).body.status;
  const attend = (sessionId: string, participantId: string, day: string, present = true) => ok(post(`/sessions/${sessionId}/attendance`, { participantId, day, present }));
  /** A participant's enrolments as the read model has them, once it shows `expected` (it follows the log). */
  const enrolmentsOf = (participantId: string, expected: object[], as: Caller = 'trainer') =>
    eventually(async () => {
      const response = await ok(get(`/participants/${participantId}`, as));
      expect(response.body.enrolments).toEqual(expect.arrayContaining(expected.map((enrolment) => expect.objectContaining(enrolment))));
      return response.body;
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'capacity-building-training-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'capacity-building');
    store = infrastructure.eventStore;
    // What other contexts receive: subscribed before the forwarder starts, so nothing is missed.
    infrastructure.memoryBus!.subscribe(Topics.capacityBuilding, 'training-spec', async (messages) => void published.push(...messages));
    service = await startService(capacityBuildingService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('capacity-building', 'error') });
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(config, claims);
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterEach(() => clock.set(TODAY));

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('the issue’s checks', () => {
    it('puts the third of three enrolments in a session of capacity 2 on the waiting list, and a withdrawal moves it up', async () => {
      const programmeId = await createProgramme();
      const sessionId = await scheduleSession(programmeId, { capacity: 2 });
      const [amina, karim, leila] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi'), await registerParticipant('Leila', 'Kettani')];

      expect([await enrol(sessionId, amina), await enrol(sessionId, karim), await enrol(sessionId, leila)]).toEqual(['enrolled', 'enrolled', 'waitlisted']);
      expect((await ok(get(`/sessions/${sessionId}`))).body).toMatchObject({ enrolled: [amina, karim], waitlist: [leila], capacity: 2 });

      const withdrawal = await ok(post(`/sessions/${sessionId}/enrolments/${amina}/withdraw`));
      expect(withdrawal.body).toEqual({ status: 'withdrawn', promotedParticipantId: leila });
      expect((await ok(get(`/sessions/${sessionId}`))).body).toMatchObject({ enrolled: [karim, leila], waitlist: [] });
      await enrolmentsOf(leila, [{ sessionId, status: 'enrolled' }]);
      await enrolmentsOf(amina, [{ sessionId, status: 'withdrawn' }]);
    });

    it('gives who attended above the threshold a certificate whose code verifies publicly, without a token', async () => {
      const programmeId = await createProgramme({ title: 'Orientation des investisseurs MRE' });
      const sessionId = await scheduleSession(programmeId, { capacity: 3 });
      const [samira, youssef] = [await registerParticipant('Samira', 'El Amrani'), await registerParticipant('Youssef', 'Alaoui', { sex: 'male' })];
      await enrol(sessionId, samira);
      await enrol(sessionId, youssef);
      // Samira: 5 of 5 days (1 ≥ 0.8); Youssef: 3 of 5 (0.6 < 0.8).
      for (const day of SESSION_DAYS) await attend(sessionId, samira, day);
      for (const day of SESSION_DAYS.slice(0, 3)) await attend(sessionId, youssef, day);

      const closing = await ok(post(`/sessions/${sessionId}/close`));
      expect(closing.body).toEqual({ sessionId, enrolled: 2, completed: 1, certificates: [{ participantId: samira, code: expect.stringMatching(/^CB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/) }] });
      const { code } = closing.body.certificates[0];

      const verified = await eventually(async () => ok(get(`/certificates/${code}`, null)));
      expect(verified.body).toEqual({
        code,
        holderInitials: 'S. E.',
        programme: { title: 'Orientation des investisseurs MRE' },
        session: { startDate: '2026-05-04', endDate: '2026-05-08' },
        issuedAt: TODAY,
      });
      expect(JSON.stringify(verified.body)).not.toMatch(/Samira|Amrani/);
      await enrolmentsOf(samira, [{ sessionId, status: 'completed', certificateCode: code }]);
      await enrolmentsOf(youssef, [{ sessionId, status: 'not_completed' }]);
    });
  });

  describe('POST /programmes', () => {
    it('creates a programme: 201 with Location and ETag; a retry answers the same, appending nothing', async () => {
      const key = newKey();
      const created = await ok(post('/programmes', aProgramme(), { key }), 201);
      const { programmeId } = created.body;
      expect(created.headers['location']).toBe(`/programmes/${programmeId}`);
      expect(created.headers['etag']).toBe('"0"');
      const before = await logLength();
      const retry = await ok(post('/programmes', aProgramme(), { key }), 201);
      expect(retry.body).toEqual({ programmeId });
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await logLength()).toBe(before);
      expect((await ok(get(`/programmes/${programmeId}`, 'region'))).body).toMatchObject({ programmeId, minAttendance: 0.8, targetActorTypes: ['cell_officer', 'civil_society_member'] });
    });

    it('refuses the same key with another body (409 IDEMPOTENCY_KEY_REUSED), a threshold outside 0–1, an actor type named twice or unknown (400)', async () => {
      const key = newKey();
      await ok(post('/programmes', aProgramme(), { key }), 201);
      await refused(() => post('/programmes', aProgramme({ title: 'Another' }), { key }), 409, 'IDEMPOTENCY_KEY_REUSED');
      for (const wrong of [{ minAttendance: 1.5 }, { minAttendance: -0.1 }, { targetActorTypes: ['cell_officer', 'cell_officer'] }, { targetActorTypes: [] }, { targetActorTypes: ['mayor'] }, { title: '\u202eevil' }]) {
        const response = await refused(() => post('/programmes', aProgramme(wrong)), 400, 'VALIDATION_FAILED');
        expect(response.body.errors.length).toBeGreaterThan(0);
      }
    });

    it('answers 404 PROGRAMME_NOT_FOUND for a programme that does not exist', () => refused(() => get(`/programmes/${UNKNOWN_ID}`), 404, 'PROGRAMME_NOT_FOUND'));

    it('lets only trainers create, and the region, provinces and auditors read', async () => {
      await refused(() => post('/programmes', aProgramme(), { as: 'agent' }), 403, 'ROLE_NOT_ALLOWED');
      await refused(() => post('/programmes', aProgramme(), { as: 'region' }), 403, 'ROLE_NOT_ALLOWED');
      const programmeId = await createProgramme();
      for (const reader of ['province', 'auditor'] as const) await ok(get(`/programmes/${programmeId}`, reader));
      await refused(() => get(`/programmes/${programmeId}`, 'agent'), 403, 'ROLE_NOT_ALLOWED');
      await refused(() => get(`/programmes/${programmeId}`, null), 401, 'AUTHENTICATION_REQUIRED');
    });
  });

  describe('POST /sessions', () => {
    it('schedules a session for a cell, in the cell’s province, with the programme’s threshold', async () => {
      const programmeId = await createProgramme({ minAttendance: 0.5 });
      const created = await ok(post('/sessions', aSession(programmeId, { cellId: 'berkane', modality: 'remote' })), 201);
      const { sessionId } = created.body;
      expect(created.headers['location']).toBe(`/sessions/${sessionId}`);
      const session = await ok(get(`/sessions/${sessionId}`, 'auditor'));
      expect(session.headers['etag']).toBe('"0"');
      expect(session.body).toEqual({
        sessionId,
        programmeId,
        cellId: 'berkane',
        province: 'berkane',
        startDate: '2026-05-04',
        endDate: '2026-05-08',
        trainer: 'Samira Benali',
        capacity: 2,
        modality: 'remote',
        minAttendance: 0.5,
        status: 'scheduled',
        enrolled: [],
        waitlist: [],
      });
      const [stored] = await store.readStream(sessionStream(sessionId));
      expect(stored!.metadata.cellId).toBe('berkane');
    });

    it('schedules a session for a whole province', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { cellId: undefined, province: 'nador' });
      const session = (await ok(get(`/sessions/${sessionId}`))).body;
      expect(session.province).toBe('nador');
      expect(session.cellId).toBeUndefined();
    });

    it('refuses a programme that does not exist, an end before the start, a session over a year (422)', async () => {
      const programmeId = await createProgramme();
      await refused(() => post('/sessions', aSession(UNKNOWN_ID)), 422, 'PROGRAMME_NOT_KNOWN');
      await refused(() => post('/sessions', aSession(programmeId, { endDate: '2026-05-01' })), 422, 'SESSION_DATES_REVERSED');
      await refused(() => post('/sessions', aSession(programmeId, { endDate: '2027-06-01' })), 422, 'SESSION_TOO_LONG');
    });

    it('refuses both a cell and a province, neither, an unknown cell or province, a capacity of 0, a date that is not one (400)', async () => {
      const programmeId = await createProgramme();
      for (const wrong of [
        { province: 'oujda-angad' },
        { cellId: undefined },
        { cellId: 'atlantis' },
        { cellId: undefined, province: 'atlantis' },
        { capacity: 0 },
        { capacity: 2.5 },
        { startDate: '2026-02-30' },
        { modality: 'hybrid' },
      ]) {
        await refused(() => post('/sessions', aSession(programmeId, wrong)), 400, 'VALIDATION_FAILED');
      }
    });

    it('answers 404 SESSION_NOT_FOUND for a session that does not exist, 400 for an id that is not one', async () => {
      await refused(() => get(`/sessions/${UNKNOWN_ID}`), 404, 'SESSION_NOT_FOUND');
      await refused(() => get('/sessions/not-a-uuid'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /participants', () => {
    it('registers a participant, their names sealed in the store and in a key store of capacity building’s own', async () => {
      const participantId = await registerParticipant('Nadia', 'Idrissi', { actorType: 'elected_official', commune: 'berkane', organisation: 'Commune de Berkane' });
      const [stored] = await store.readStream(participantStream(participantId));
      expect(JSON.stringify(stored!.data)).not.toMatch(/Nadia|Idrissi/);
      expect(stored!.data).toMatchObject({ actorType: 'elected_official', commune: 'berkane', province: 'berkane', names: { alg: 'A256GCM', kid: participantId } });

      const ownKeys = await createKeyStore({ kind: 'sqlite', file: join(dataDir, 'capacity-building-keys.sqlite') });
      try {
        expect(await ownKeys.get(participantId)).toMatchObject({ status: 'active' });
      } finally {
        await ownKeys.close();
      }
      // Intake's key store is not capacity building's: it was never even created here.
      expect(existsSync(dataFile(loadConfig({ DATA_DIR: dataDir }), KEY_STORE_FILE))).toBe(false);
    });

    it('shows the names to trainers, to nobody else', async () => {
      const participantId = await registerParticipant('Nadia', 'Idrissi', { sex: 'female' });
      const asTrainer = (await ok(get(`/participants/${participantId}`))).body;
      expect(asTrainer).toMatchObject({ participantId, actorType: 'cell_officer', sex: 'female', commune: 'oujda', province: 'oujda-angad', names: { firstName: 'Nadia', lastName: 'Idrissi' }, enrolments: [], certificates: [] });
      for (const reader of ['region', 'province', 'auditor'] as const) {
        const body = (await ok(get(`/participants/${participantId}`, reader))).body;
        expect(body).not.toHaveProperty('names');
        expect(JSON.stringify(body)).not.toMatch(/Nadia|Idrissi/);
      }
      await refused(() => get(`/participants/${participantId}`, 'agent'), 403, 'ROLE_NOT_ALLOWED');
    });

    it('refuses an unknown commune or actor type, a name that hides or shows nothing, a field it does not know (400)', async () => {
      for (const wrong of [
        aParticipant('Nadia', 'Idrissi', { commune: 'atlantis' }),
        aParticipant('Nadia', 'Idrissi', { actorType: 'mayor' }),
        aParticipant('Nadia', '\u200b'),
        aParticipant('Na\u0000dia', 'Idrissi'),
        aParticipant('Nadia', 'Idrissi', { names: { firstName: 'Nadia', lastName: 'Idrissi', phone: '+212600000000' } }),
        { ...aParticipant('Nadia', 'Idrissi'), birthYear: 1980 },
      ]) {
        await refused(() => post('/participants', wrong), 400, 'VALIDATION_FAILED');
      }
    });

    it('answers 404 PARTICIPANT_NOT_FOUND for a participant that does not exist', () => refused(() => get(`/participants/${UNKNOWN_ID}`), 404, 'PARTICIPANT_NOT_FOUND'));
  });

  describe('POST /sessions/{id}/enrolments and withdraw', () => {
    it('refuses a participant enrolled or waitlisted already (409), one never registered (422), a session that does not exist (404)', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { capacity: 1 });
      const [amina, karim] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi')];
      await enrol(sessionId, amina);
      await enrol(sessionId, karim);
      await refused(() => post(`/sessions/${sessionId}/enrolments`, { participantId: amina }), 409, 'PARTICIPANT_ALREADY_ENROLLED');
      await refused(() => post(`/sessions/${sessionId}/enrolments`, { participantId: karim }), 409, 'PARTICIPANT_ALREADY_ENROLLED');
      await refused(() => post(`/sessions/${sessionId}/enrolments`, { participantId: UNKNOWN_ID }), 422, 'PARTICIPANT_NOT_KNOWN');
      await refused(() => post(`/sessions/${UNKNOWN_ID}/enrolments`, { participantId: amina }), 404, 'SESSION_NOT_FOUND');
      await refused(() => post(`/sessions/${sessionId}/enrolments`, { participantId: 'amina' }), 400, 'VALIDATION_FAILED');
    });

    it('answers a retried enrolment as it was first answered, even once the line moved', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { capacity: 1 });
      const [amina, karim] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi')];
      await enrol(sessionId, amina);
      const key = newKey();
      expect((await ok(post(`/sessions/${sessionId}/enrolments`, { participantId: karim }, { key }))).body).toEqual({ status: 'waitlisted' });
      await ok(post(`/sessions/${sessionId}/enrolments/${amina}/withdraw`));
      const retry = await ok(post(`/sessions/${sessionId}/enrolments`, { participantId: karim }, { key }));
      expect(retry.body).toEqual({ status: 'waitlisted' });
      expect(retry.headers['idempotent-replayed']).toBe('true');
    });

    it('withdraws from the waiting list, promoting nobody; refuses someone neither enrolled nor in line (404 ENROLMENT_NOT_FOUND)', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { capacity: 1 });
      const [amina, karim, omar] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi'), await registerParticipant('Omar', 'Berrada')];
      await enrol(sessionId, amina);
      await enrol(sessionId, karim);
      expect((await ok(post(`/sessions/${sessionId}/enrolments/${karim}/withdraw`, {}))).body).toEqual({ status: 'withdrawn' });
      await refused(() => post(`/sessions/${sessionId}/enrolments/${karim}/withdraw`), 404, 'ENROLMENT_NOT_FOUND');
      await refused(() => post(`/sessions/${sessionId}/enrolments/${omar}/withdraw`), 404, 'ENROLMENT_NOT_FOUND');
      await refused(() => post(`/sessions/${sessionId}/enrolments/${omar}/withdraw`, { reason: 'x' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /sessions/{id}/attendance', () => {
    it('records a day, says when nothing changed, and refuses a stale If-Match (412)', async () => {
      const sessionId = await scheduleSession(await createProgramme());
      const amina = await registerParticipant('Amina', 'Benali');
      await enrol(sessionId, amina);
      const first = await attend(sessionId, amina, '2026-05-04');
      expect(first.body).toEqual({ sessionId, revision: 2, changed: true });
      expect(first.headers['etag']).toBe('"2"');
      expect((await attend(sessionId, amina, '2026-05-04')).body).toEqual({ sessionId, revision: 2, changed: false });
      await refused(() => post(`/sessions/${sessionId}/attendance`, { participantId: amina, day: '2026-05-05', present: true }, { ifMatch: '"1"' }), 412, 'STALE_REVISION');
      await ok(post(`/sessions/${sessionId}/attendance`, { participantId: amina, day: '2026-05-05', present: true }, { ifMatch: '"2"' }));
    });

    it('refuses a day outside the session, a day to come, someone without a place (422), a present that is not a boolean (400)', async () => {
      const programmeId = await createProgramme();
      const sessionId = await scheduleSession(programmeId, { capacity: 1 });
      const [amina, karim] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi')];
      await enrol(sessionId, amina);
      await enrol(sessionId, karim);
      await refused(() => post(`/sessions/${sessionId}/attendance`, { participantId: amina, day: '2026-05-09', present: true }), 422, 'DAY_OUTSIDE_SESSION');
      await refused(() => post(`/sessions/${sessionId}/attendance`, { participantId: karim, day: '2026-05-04', present: true }), 422, 'PARTICIPANT_NOT_ENROLLED');
      const upcoming = await scheduleSession(programmeId, { startDate: '2026-05-19', endDate: '2026-05-22' });
      await enrol(upcoming, amina);
      await attend(upcoming, amina, '2026-05-20');
      await refused(() => post(`/sessions/${upcoming}/attendance`, { participantId: amina, day: '2026-05-21', present: true }), 422, 'ATTENDANCE_DAY_IN_FUTURE');
      await refused(() => post(`/sessions/${sessionId}/attendance`, { participantId: amina, day: '2026-05-04', present: 'yes' }), 400, 'VALIDATION_FAILED');
      await refused(() => post(`/sessions/${UNKNOWN_ID}/attendance`, { participantId: amina, day: '2026-05-04', present: true }), 404, 'SESSION_NOT_FOUND');
    });
  });

  describe('POST /sessions/{id}/evaluations', () => {
    it('records the pre and post scores once each (409 the second time), for someone holding a place (422 otherwise); a score over 100 is 400', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { capacity: 1 });
      const [amina, karim] = [await registerParticipant('Amina', 'Benali'), await registerParticipant('Karim', 'Tazi')];
      await enrol(sessionId, amina);
      await enrol(sessionId, karim);
      await ok(post(`/sessions/${sessionId}/evaluations`, { participantId: amina, phase: 'pre', score: 40 }));
      await ok(post(`/sessions/${sessionId}/evaluations`, { participantId: amina, phase: 'post', score: 72.5 }));
      await refused(() => post(`/sessions/${sessionId}/evaluations`, { participantId: amina, phase: 'post', score: 80 }), 409, 'EVALUATION_ALREADY_RECORDED');
      await refused(() => post(`/sessions/${sessionId}/evaluations`, { participantId: karim, phase: 'pre', score: 50 }), 422, 'PARTICIPANT_NOT_ENROLLED');
      await refused(() => post(`/sessions/${sessionId}/evaluations`, { participantId: amina, phase: 'pre', score: 101 }), 400, 'VALIDATION_FAILED');
      await refused(() => post(`/sessions/${sessionId}/evaluations`, { participantId: amina, phase: 'during', score: 50 }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /sessions/{id}/close', () => {
    it('issues certificates once: a retry answers the same codes, a second close is 409, and nothing changes a closed session (422)', async () => {
      const sessionId = await scheduleSession(await createProgramme({ minAttendance: 0 }));
      const amina = await registerParticipant('Amina', 'Benali');
      await enrol(sessionId, amina);
      const key = newKey();
      const first = await ok(post(`/sessions/${sessionId}/close`, undefined, { key }));
      expect(first.body.certificates).toHaveLength(1);
      const retry = await ok(post(`/sessions/${sessionId}/close`, undefined, { key }));
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      await refused(() => post(`/sessions/${sessionId}/close`), 409, 'SESSION_ALREADY_CLOSED');
      await refused(() => post(`/sessions/${sessionId}/attendance`, { participantId: amina, day: '2026-05-04', present: true }), 422, 'SESSION_CLOSED');
      await refused(() => post(`/sessions/${sessionId}/enrolments/${amina}/withdraw`), 422, 'SESSION_CLOSED');
      expect((await ok(get(`/sessions/${sessionId}`))).body).toMatchObject({ status: 'closed', closedAt: TODAY });
    });

    it('refuses to close a session before its last day (422 SESSION_NOT_ENDED)', async () => {
      const sessionId = await scheduleSession(await createProgramme(), { startDate: '2026-05-18', endDate: '2026-05-21' });
      await refused(() => post(`/sessions/${sessionId}/close`), 422, 'SESSION_NOT_ENDED');
      clock.set('2026-05-21T16:00:00.000Z');
      await ok(post(`/sessions/${sessionId}/close`));
    });
  });

  describe('GET /certificates/{code}, public', () => {
    it('answers 404 CERTIFICATE_NOT_FOUND for a code nobody holds, 400 for what is not a code, without a token', async () => {
      await refused(() => get('/certificates/CB-0000-0000-0000', null), 404, 'CERTIFICATE_NOT_FOUND');
      await refused(() => get('/certificates/not-a-code', null), 400, 'VALIDATION_FAILED');
      await refused(() => get('/certificates/cb-0000-0000-0000', null), 400, 'VALIDATION_FAILED');
    });
  });

  describe('what other contexts receive', () => {
    it('publishes each fact on the capacity-building topic without names, trainer or certificate code', async () => {
      const programmeId = await createProgramme({ minAttendance: 0 });
      const sessionId = await scheduleSession(programmeId, { trainer: 'Hicham Fassi' });
      const salma = await registerParticipant('Salma', 'Chraibi', { actorType: 'civil_society_member', sex: 'female' });
      await enrol(sessionId, salma);
      await attend(sessionId, salma, '2026-05-04');
      await ok(post(`/sessions/${sessionId}/evaluations`, { participantId: salma, phase: 'pre', score: 35 }));
      const { code } = (await ok(post(`/sessions/${sessionId}/close`))).body.certificates[0];

      const about = (id: string) => published.filter((message) => message.value.includes(id)).map((message) => JSON.parse(message.value) as { type: string; cellId?: string; data: Record<string, unknown> });
      const events = await eventually(() => {
        const found = about(sessionId);
        expect(found.map((event) => event.type)).toEqual(['SessionScheduled', 'ParticipantEnrolled', 'AttendanceRecorded', 'EvaluationRecorded', 'SessionClosed', 'CertificateIssued']);
        return found;
      });
      expect(events[0]).toMatchObject({ cellId: 'oujda', data: { sessionId, programmeId, cellId: 'oujda', province: 'oujda-angad', startDate: '2026-05-04', endDate: '2026-05-08', capacity: 2 } });
      expect(events[4]!.data).toEqual({ sessionId, programmeId, enrolled: 1, completed: 1, closedAt: TODAY });
      const registration = await eventually(() => about(salma).find((event) => event.type === 'ParticipantRegistered')!);
      expect(registration.data).toEqual({ participantId: salma, actorType: 'civil_society_member', sex: 'female', organisation: 'Cellule d’accueil d’Oujda', commune: 'oujda', province: 'oujda-angad', registeredAt: TODAY });
      const everything = published.map((message) => message.value).join('\n');
      for (const secret of ['Salma', 'Chraibi', 'Hicham', code, 'A256GCM']) expect(everything).not.toContain(secret);
    });
  });
});
