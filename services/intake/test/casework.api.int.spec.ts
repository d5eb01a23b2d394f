import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { beneficiaryStream } from '@oriental/intake-domain';
import { createReadStore } from '@oriental/read-store';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, rebuildReadModels, RunningService, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { CaseFollowUpsProjection } from '../src/overdue-follow-ups/case-follow-ups.projection';
import { aRegistrationBody, RegistrationBody } from '../src/testing';

let key = 0;
const newKey = () => `casework-key-${process.pid}-${++key}-${Date.now()}`;
const TODAY = '2026-07-15T09:30:00.000Z';
const UNKNOWN_ID = '9b2f6a53-4d3c-4f0e-8a51-2c6d7e8f9a0b';

/** Who calls: the agents of three cells (each works on their own cell's cases) and the region's coordinator (sees every cell). */
const CALLERS = {
  oujda: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  nador: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  berkane: { role: 'cell_agent', cellId: 'berkane', subject: 'agent:berkane-1' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region-1' },
} as const;
type Caller = keyof typeof CALLERS;

describe('intake casework API', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let store: EventStore;
  const clock = fixedClock(TODAY);
  const tokens = {} as Record<Caller, string>;
  const bearer = (as: Caller) => `Bearer ${tokens[as]}`;

  /** A command, as the Oujda agent unless `as` says who. */
  const post = (path: string, body?: object, options: { key?: string; ifMatch?: string; as?: Caller } = {}) => {
    const call = request(service.url).post(path).set('Idempotency-Key', options.key ?? newKey()).set('Authorization', bearer(options.as ?? 'oujda'));
    if (options.ifMatch) call.set('If-Match', options.ifMatch);
    return body === undefined ? call : call.send(body);
  };
  /** Registers as the agent of the cell registered at (Oujda unless the overrides say another). */
  const register = async (overrides: Partial<RegistrationBody> = {}): Promise<string> =>
    (await post('/beneficiaries', aRegistrationBody(overrides), { as: (overrides.cellId ?? 'oujda') as Caller }).expect(201)).body.beneficiaryId;
  const revisionOf = async (id: string) => (await store.readStream(beneficiaryStream(id))).length - 1;
  const read = (id: string, as: Caller = 'oujda') => request(service.url).get(`/beneficiaries/${id}`).set('Authorization', bearer(as)).set('X-Purpose', 'casework');
  /** The case as a reader of its cell sees it (the Oujda agent unless `as` says who). */
  const get = async (id: string, as: Caller = 'oujda') => (await read(id, as).expect(200)).body;
  /** The call is refused with `status` and `code`, and the beneficiary's stream did not move. */
  const refused = async (id: string, call: () => request.Test, status: number, code: string) => {
    const before = await revisionOf(id);
    const response = await call();
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response).toSatisfyApiSpec();
    expect(await revisionOf(id)).toBe(before);
    return response;
  };
  /** A cell's overdue list, as the region's coordinator, who sees every cell. */
  const overdueList = (cellId: string) => request(service.url).get(`/cells/${cellId}/follow-ups/overdue`).set('Authorization', bearer('region'));
  const overdue = async (cellId: string) => (await overdueList(cellId).expect(200)).body;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-casework-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'intake');
    store = infrastructure.eventStore;
    service = await startService(intakeService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('intake', 'error') });
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(config, claims);
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterEach(() => clock.set(TODAY));

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('POST /beneficiaries with a profile and the whole personal data', () => {
    it('registers them and answers them on GET, personal data opened, never stored in clear', async () => {
      const person = { firstName: 'Yassine', lastName: 'Alaoui', address: '3 derb Sidi Ziane, Oujda', documentNumbers: [{ kind: 'cnie' as const, number: 'FB998877' }], notes: 'Confidential remark' };
      const id = await register({ category: 'returnee', profile: { returnDate: '2025-09-01', returnedFrom: 'IT', returnKind: 'voluntary', languages: ['arabic', 'other'] }, person });
      const response = await read(id).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toMatchObject({ category: 'returnee', profile: { returnDate: '2025-09-01', returnedFrom: 'IT', returnKind: 'voluntary' }, person, personalData: 'present' });
      const [event] = await store.readStream(beneficiaryStream(id));
      expect(event!.schemaVersion).toBe(2);
      expect(JSON.stringify(event!.data)).not.toMatch(/Yassine|Alaoui|Sidi|FB998877|Confidential/);
    });

    it('refuses profile fields of another category: 422, appending nothing', async () => {
      const before = (await store.readAll({ maxCount: 100_000, streamPrefixes: ['beneficiary-'] })).events.length;
      const response = await post('/beneficiaries', aRegistrationBody({ category: 'mre', profile: { residenceStatus: 'refugee' } })).expect(422);
      expect(response.body.code).toBe('PROFILE_FIELD_NOT_FOR_CATEGORY');
      expect((await store.readAll({ maxCount: 100_000, streamPrefixes: ['beneficiary-'] })).events.length).toBe(before);
    });

    it('refuses an unknown profile field or document kind: 400', async () => {
      const response = await post('/beneficiaries', {
        ...aRegistrationBody(),
        profile: { favouriteCity: 'Oujda' },
        person: { firstName: 'A', lastName: 'B', documentNumbers: [{ kind: 'library_card', number: '1' }] },
      }).expect(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['profile.favouriteCity', 'person.documentNumbers.0.kind']));
    });
  });

  describe('every command on an unknown beneficiary', () => {
    it.each([
      ['/profile', { profile: { languages: ['arabic'] } }],
      ['/consents', { purpose: 'sharing', given: true }],
      ['/needs', { needs: [{ code: 'legal_aid', priority: 'high' }] }],
      ['/needs/legal_aid/met', undefined],
      ['/follow-ups', { dueDate: '2026-12-10' }],
      [`/follow-ups/${UNKNOWN_ID}/outcome`, { outcome: 'held' }],
      ['/transfers', { toCellId: 'nador', reason: 'moved' }],
      [`/transfers/${UNKNOWN_ID}/accept`, undefined],
      [`/transfers/${UNKNOWN_ID}/decline`, {}],
      ['/close', { reason: 'resolved' }],
      ['/reopen', undefined],
    ])('answers POST %s with 404 BENEFICIARY_NOT_FOUND, creating no stream', async (path, body) => {
      await refused(UNKNOWN_ID, () => post(`/beneficiaries/${UNKNOWN_ID}${path}`, body), 404, 'BENEFICIARY_NOT_FOUND');
      expect(await revisionOf(UNKNOWN_ID)).toBe(-1);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const response = await post('/beneficiaries/not-a-uuid/close', { reason: 'resolved' }).expect(400);
      expect(response.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    });
  });

  describe('POST /beneficiaries/{id}/profile', () => {
    it('records the profile and corrected personal data: 200, the new revision as ETag', async () => {
      const id = await register();
      const response = await post(`/beneficiaries/${id}/profile`, { profile: { countryOfResidence: 'FR', visitPurpose: 'investment' }, person: { phone: '+33612345678' } }).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toEqual({ beneficiaryId: id, revision: 2, changed: true });
      expect(response.headers.etag).toBe('"2"');
      expect(await get(id)).toMatchObject({ profile: { countryOfResidence: 'FR', visitPurpose: 'investment' }, person: { firstName: 'Amina', phone: '+33612345678' } });
      const stored = await store.readStream(beneficiaryStream(id));
      expect(stored.map((e) => e.type)).toEqual(['BeneficiaryRegistered', 'BeneficiaryProfileRecorded', 'PersonalDataRecorded']);
      expect(JSON.stringify(stored[2]!.data)).not.toMatch(/33612345678/);
      expect(stored[1]!.metadata).toMatchObject({ beneficiaryId: id, cellId: 'oujda', actor: 'agent:oujda-1' });
    });

    it('refuses a field of another category: 422 PROFILE_FIELD_NOT_FOR_CATEGORY', async () => {
      const id = await register({ category: 'rpt' });
      await refused(id, () => post(`/beneficiaries/${id}/profile`, { profile: { returnKind: 'forced' } }), 422, 'PROFILE_FIELD_NOT_FOR_CATEGORY');
    });

    it('refuses an empty correction or an unknown field: 400', async () => {
      const id = await register();
      const empty = await refused(id, () => post(`/beneficiaries/${id}/profile`, { profile: {} }), 400, 'VALIDATION_FAILED');
      expect(empty.body.errors).toEqual([{ field: '(body)', message: 'must give at least one profile or person field' }]);
      const unknown = await refused(id, () => post(`/beneficiaries/${id}/profile`, { person: { nickname: 'Mina' } }), 400, 'VALIDATION_FAILED');
      expect(unknown.body.errors).toContainEqual({ field: 'person.nickname', message: 'should not exist' });
    });

    it('applies with the current If-Match, refuses a stale one: 412 STALE_REVISION', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/profile`, { profile: { languages: ['french'] } }, { ifMatch: '"3"' }), 412, 'STALE_REVISION');
      await post(`/beneficiaries/${id}/profile`, { profile: { languages: ['french'] } }, { ifMatch: '"0"' }).expect(200);
    });

    it('answers a retry from the stream, and refuses the key with another body: 409', async () => {
      const id = await register();
      const key = newKey();
      await post(`/beneficiaries/${id}/profile`, { profile: { languages: ['french'] } }, { key }).expect(200);
      const retry = await post(`/beneficiaries/${id}/profile`, { profile: { languages: ['french'] } }, { key }).expect(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual({ beneficiaryId: id, revision: 1, changed: true });
      await refused(id, () => post(`/beneficiaries/${id}/profile`, { profile: { languages: ['arabic'] } }, { key }), 409, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('POST /beneficiaries/{id}/consents', () => {
    it('records a consent given, with its actor, and changes nothing when it is already given', async () => {
      const id = await register();
      const given = await post(`/beneficiaries/${id}/consents`, { purpose: 'sharing', given: true }).expect(200);
      expect(given).toSatisfyApiSpec();
      expect(given.body).toEqual({ beneficiaryId: id, revision: 1, changed: true, purpose: 'sharing', given: true });
      const again = await post(`/beneficiaries/${id}/consents`, { purpose: 'sharing', given: true }).expect(200);
      expect(again.body).toMatchObject({ revision: 1, changed: false });
      expect(again.headers.etag).toBe('"1"');
      const [, event] = await store.readStream(beneficiaryStream(id));
      expect(event).toMatchObject({ type: 'ConsentGiven', data: { purpose: 'sharing', actor: 'agent:oujda-1', at: TODAY } });
    });

    it('records a consent withdrawn', async () => {
      const id = await register();
      await post(`/beneficiaries/${id}/consents`, { purpose: 'statistics', given: false }).expect(200);
      expect((await get(id)).consent).toEqual({ services: true, sharing: false, statistics: false });
    });

    it('refuses an unknown purpose: 400', async () => {
      const id = await register();
      const response = await refused(id, () => post(`/beneficiaries/${id}/consents`, { purpose: 'marketing', given: true }), 400, 'VALIDATION_FAILED');
      expect(response.body.errors).toEqual([{ field: 'purpose', message: 'must be one of: services, sharing, statistics' }]);
    });
  });

  describe('needs', () => {
    it('assesses needs, updates a priority, marks one met', async () => {
      const id = await register();
      const assessed = await post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'legal_aid', priority: 'high' }, { code: 'housing', priority: 'low' }] }).expect(200);
      expect(assessed).toSatisfyApiSpec();
      await post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'housing', priority: 'medium' }] }).expect(200);
      const met = await post(`/beneficiaries/${id}/needs/legal_aid/met`).expect(200);
      expect(met).toSatisfyApiSpec();
      expect(met.body).toEqual({ beneficiaryId: id, revision: 3, changed: true });
      expect((await get(id)).needs).toEqual([
        { code: 'legal_aid', priority: 'high', status: 'met', assessedAt: TODAY, metAt: TODAY },
        { code: 'housing', priority: 'medium', status: 'open', assessedAt: TODAY },
      ]);
    });

    it('refuses a need code outside the catalogue, or named twice: 400', async () => {
      const id = await register();
      const unknown = await refused(id, () => post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'health', priority: 'high' }, { code: 'yachting', priority: 'low' }] }), 400, 'VALIDATION_FAILED');
      expect(unknown.body.errors).toEqual([{ field: 'needs.1.code', message: 'unknown need "yachting"' }]);
      const twice = await refused(id, () => post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'health', priority: 'high' }, { code: 'health', priority: 'low' }] }), 400, 'VALIDATION_FAILED');
      expect(twice.body.errors).toEqual([{ field: 'needs', message: 'must not name a need twice' }]);
      await refused(id, () => post(`/beneficiaries/${id}/needs/yachting/met`), 400, 'VALIDATION_FAILED');
    });

    it('refuses to mark met a need not assessed, or already met: 422', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/needs/health/met`), 422, 'NEED_NOT_ASSESSED');
      await post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'health', priority: 'high' }] }).expect(200);
      await post(`/beneficiaries/${id}/needs/health/met`).expect(200);
      await refused(id, () => post(`/beneficiaries/${id}/needs/health/met`), 422, 'NEED_ALREADY_MET');
    });
  });

  describe('follow-ups', () => {
    it('schedules one: 201 with its id, the same id on a retry; records its outcome once', async () => {
      const id = await register();
      const key = newKey();
      const scheduled = await post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-10', note: 'Private follow-up note' }, { key }).expect(201);
      expect(scheduled).toSatisfyApiSpec();
      expect(scheduled.body).toEqual({ beneficiaryId: id, revision: 1, changed: true, followUpId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const retry = await post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-10', note: 'Private follow-up note' }, { key }).expect(201);
      expect(retry.body.followUpId).toBe(scheduled.body.followUpId);
      expect(await revisionOf(id)).toBe(1);

      const { followUpId } = scheduled.body;
      const recorded = await post(`/beneficiaries/${id}/follow-ups/${followUpId}/outcome`, { outcome: 'held', note: 'Private outcome note' }).expect(200);
      expect(recorded).toSatisfyApiSpec();
      await refused(id, () => post(`/beneficiaries/${id}/follow-ups/${followUpId}/outcome`, { outcome: 'missed' }), 422, 'FOLLOW_UP_ALREADY_RECORDED');
      expect((await get(id)).followUps).toEqual([
        { followUpId, dueDate: '2026-12-10', note: 'Private follow-up note', scheduledAt: TODAY, outcome: 'held', outcomeNote: 'Private outcome note', recordedAt: TODAY },
      ]);
      const stored = JSON.stringify((await store.readStream(beneficiaryStream(id))).map((e) => e.data));
      expect(stored).not.toMatch(/Private/);
    });

    it('refuses a due date before today: 422 FOLLOW_UP_DUE_IN_PAST; a date that is no date: 400', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-07-14' }), 422, 'FOLLOW_UP_DUE_IN_PAST');
      const invalid = await refused(id, () => post(`/beneficiaries/${id}/follow-ups`, { dueDate: '10/12/2026' }), 400, 'VALIDATION_FAILED');
      expect(invalid.body.errors).toEqual([{ field: 'dueDate', message: 'is not in the expected format' }]);
    });

    it('answers an unknown follow-up with 404 FOLLOW_UP_NOT_FOUND', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/follow-ups/${UNKNOWN_ID}/outcome`, { outcome: 'held' }), 404, 'FOLLOW_UP_NOT_FOUND');
    });
  });

  describe('transfers', () => {
    it('requests a transfer (201), and the case moves once the other cell accepts', async () => {
      const id = await register();
      const requested = await post(`/beneficiaries/${id}/transfers`, { toCellId: 'nador', reason: 'moved', note: 'Family in Nador' }).expect(201);
      expect(requested).toSatisfyApiSpec();
      const { transferId } = requested.body;
      expect((await get(id)).pendingTransfer).toEqual({ transferId, toCellId: 'nador', reason: 'moved', note: 'Family in Nador', requestedAt: TODAY });
      await refused(id, () => post(`/beneficiaries/${id}/transfers`, { toCellId: 'berkane', reason: 'other' }), 422, 'TRANSFER_ALREADY_PENDING');
      await refused(id, () => post(`/beneficiaries/${id}/close`, { reason: 'moved_away' }), 422, 'TRANSFER_PENDING');
      await refused(id, () => post(`/beneficiaries/${id}/transfers/${UNKNOWN_ID}/accept`, undefined, { as: 'nador' }), 422, 'NO_PENDING_TRANSFER');
      const accepted = await post(`/beneficiaries/${id}/transfers/${transferId}/accept`, undefined, { as: 'nador' }).expect(200);
      expect(accepted).toSatisfyApiSpec();
      expect(await get(id, 'nador')).toMatchObject({ cellId: 'nador', pendingTransfer: null });
      const [last] = (await store.readStream(beneficiaryStream(id))).slice(-1);
      expect(last).toMatchObject({ type: 'TransferAccepted', data: { fromCellId: 'oujda', toCellId: 'nador' } });
    });

    it('declines a transfer: the case stays', async () => {
      const id = await register();
      const { transferId } = (await post(`/beneficiaries/${id}/transfers`, { toCellId: 'nador', reason: 'closer_to_services' }).expect(201)).body;
      const declined = await post(`/beneficiaries/${id}/transfers/${transferId}/decline`, { note: 'No capacity' }, { as: 'nador' }).expect(200);
      expect(declined).toSatisfyApiSpec();
      expect(await get(id)).toMatchObject({ cellId: 'oujda', pendingTransfer: null });
      await refused(id, () => post(`/beneficiaries/${id}/transfers/${transferId}/decline`), 422, 'NO_PENDING_TRANSFER');
    });

    it('refuses the same cell (422), an unknown cell or reason (400)', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/transfers`, { toCellId: 'oujda', reason: 'moved' }), 422, 'TRANSFER_TO_SAME_CELL');
      const unknown = await refused(id, () => post(`/beneficiaries/${id}/transfers`, { toCellId: 'casablanca', reason: 'moved' }), 400, 'VALIDATION_FAILED');
      expect(unknown.body.errors).toEqual([{ field: 'toCellId', message: 'unknown cell "casablanca"' }]);
      await refused(id, () => post(`/beneficiaries/${id}/transfers`, { toCellId: 'nador', reason: 'bored' }), 400, 'VALIDATION_FAILED');
      await refused(id, () => post(`/beneficiaries/${id}/transfers/${UNKNOWN_ID}/accept`, { extra: true }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('closing and reopening', () => {
    it('closes a case, refuses commands while closed (422 CASE_CLOSED) but a consent withdrawal, reopens it', async () => {
      const id = await register();
      const closed = await post(`/beneficiaries/${id}/close`, { reason: 'resolved', note: 'All settled' }).expect(200);
      expect(closed).toSatisfyApiSpec();
      expect(await get(id)).toMatchObject({ status: 'closed', closure: { reason: 'resolved', note: 'All settled', closedAt: TODAY } });
      await refused(id, () => post(`/beneficiaries/${id}/needs`, { needs: [{ code: 'health', priority: 'high' }] }), 422, 'CASE_CLOSED');
      await refused(id, () => post(`/beneficiaries/${id}/follow-ups`, { dueDate: '2026-12-10' }), 422, 'CASE_CLOSED');
      await refused(id, () => post(`/beneficiaries/${id}/close`, { reason: 'other' }), 422, 'CASE_ALREADY_CLOSED');
      await post(`/beneficiaries/${id}/consents`, { purpose: 'statistics', given: false }).expect(200);
      const reopened = await post(`/beneficiaries/${id}/reopen`).expect(200);
      expect(reopened).toSatisfyApiSpec();
      expect(await get(id)).toMatchObject({ status: 'open', closure: null });
      await refused(id, () => post(`/beneficiaries/${id}/reopen`, { note: 'again' }), 422, 'CASE_NOT_CLOSED');
    });

    it('refuses an unknown reason: 400', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/close`, { reason: 'bored' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('duplicate decisions', () => {
    it('links and dismisses another beneficiary; the same decision again changes nothing', async () => {
      const id = await register();
      const other = await register({ person: { firstName: 'Omar', lastName: 'Tazi' } });
      const linked = await post(`/beneficiaries/${id}/duplicates/${other}/link`).expect(200);
      expect(linked).toSatisfyApiSpec();
      expect(linked.body).toEqual({ beneficiaryId: id, revision: 1, changed: true });
      expect((await post(`/beneficiaries/${id}/duplicates/${other}/link`).expect(200)).body.changed).toBe(false);
      await post(`/beneficiaries/${id}/duplicates/${other}/dismiss`).expect(200);
      expect((await get(id)).duplicates).toEqual([{ otherBeneficiaryId: other, decision: 'dismissed' }]);
    });

    it('refuses the beneficiary themselves (422), an unknown other (404), an id that is no UUID (400)', async () => {
      const id = await register();
      await refused(id, () => post(`/beneficiaries/${id}/duplicates/${id}/link`), 422, 'DUPLICATE_OF_ITSELF');
      await refused(id, () => post(`/beneficiaries/${id}/duplicates/${UNKNOWN_ID}/dismiss`), 404, 'OTHER_BENEFICIARY_NOT_FOUND');
      await refused(id, () => post(`/beneficiaries/${id}/duplicates/nobody/link`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('GET /cells/{cellId}/follow-ups/overdue', () => {
    const idsIn = (list: { followUps: { beneficiaryId: string; followUpId: string }[] }, ids: string[]) =>
      list.followUps.filter((f) => ids.includes(f.beneficiaryId)).map((f) => `${f.beneficiaryId}:${f.followUpId}`);

    it('lists the follow-ups due before today without outcome; a transfer moves them; a closed case lists none', async () => {
      const a = await register();
      const b = await register();
      const c = await register({ cellId: 'nador' });
      const schedule = async (id: string, dueDate: string, as: Caller = 'oujda') => (await post(`/beneficiaries/${id}/follow-ups`, { dueDate }, { as }).expect(201)).body.followUpId as string;
      const a1 = await schedule(a, '2026-07-16');
      const a2 = await schedule(a, '2026-07-20');
      const b1 = await schedule(b, '2026-07-16');
      const c1 = await schedule(c, '2026-07-17', 'nador');
      await post(`/beneficiaries/${b}/follow-ups/${b1}/outcome`, { outcome: 'held' }).expect(200);
      const ids = [a, b, c];

      // Today (15 July) nothing is overdue yet.
      await eventually(async () => expect((await read(b)).status).toBe(200));
      expect(idsIn(await overdue('oujda'), ids)).toEqual([]);

      clock.set('2026-07-18T08:00:00.000Z');
      await eventually(async () => {
        expect(idsIn(await overdue('oujda'), ids)).toEqual([`${a}:${a1}`]);
        expect(idsIn(await overdue('nador'), ids)).toEqual([`${c}:${c1}`]);
      });
      const response = await overdueList('oujda').expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toMatchObject({ cellId: 'oujda', today: '2026-07-18' });
      expect(response.body.followUps).toEqual(expect.arrayContaining([{ beneficiaryId: a, followUpId: a1, dueDate: '2026-07-16', scheduledAt: TODAY }]));

      const { transferId } = (await post(`/beneficiaries/${a}/transfers`, { toCellId: 'berkane', reason: 'moved' }).expect(201)).body;
      await post(`/beneficiaries/${a}/transfers/${transferId}/accept`, undefined, { as: 'berkane' }).expect(200);
      await post(`/beneficiaries/${c}/close`, { reason: 'unreachable' }, { as: 'nador' }).expect(200);
      clock.set('2026-07-21T08:00:00.000Z');
      await eventually(async () => {
        expect(idsIn(await overdue('oujda'), ids)).toEqual([]);
        expect(idsIn(await overdue('berkane'), ids)).toEqual([`${a}:${a1}`, `${a}:${a2}`]);
        expect(idsIn(await overdue('nador'), ids)).toEqual([]);
      });

      await post(`/beneficiaries/${c}/reopen`, undefined, { as: 'nador' }).expect(200);
      await eventually(async () => expect(idsIn(await overdue('nador'), ids)).toEqual([`${c}:${c1}`]));

      // A rebuild from the event store gives what the live feed gave.
      const rebuilt = await createReadStore({ kind: 'memory' });
      try {
        const projection = new CaseFollowUpsProjection(rebuilt);
        await rebuildReadModels(store, [projection]);
        for (const cell of ['oujda', 'berkane', 'nador']) {
          expect(idsIn({ followUps: await projection.overdue(cell, '2026-07-21') }, ids)).toEqual(idsIn(await overdue(cell), ids));
        }
      } finally {
        await rebuilt.close();
      }
    });

    it('answers 404 CELL_NOT_FOUND for a cell outside the reference data', async () => {
      const response = await overdueList('casablanca').expect(404);
      expect(response.body.code).toBe('CELL_NOT_FOUND');
    });
  });

  it('documents every casework route in its OpenAPI document, with the answers of a command', async () => {
    const { paths } = (await request(service.url).get('/docs/openapi.json').expect(200)).body;
    const commands = [
      '/beneficiaries/{id}/profile',
      '/beneficiaries/{id}/consents',
      '/beneficiaries/{id}/needs',
      '/beneficiaries/{id}/needs/{code}/met',
      '/beneficiaries/{id}/follow-ups',
      '/beneficiaries/{id}/follow-ups/{followUpId}/outcome',
      '/beneficiaries/{id}/transfers',
      '/beneficiaries/{id}/transfers/{transferId}/accept',
      '/beneficiaries/{id}/transfers/{transferId}/decline',
      '/beneficiaries/{id}/close',
      '/beneficiaries/{id}/reopen',
      '/beneficiaries/{id}/duplicates/{otherId}/link',
      '/beneficiaries/{id}/duplicates/{otherId}/dismiss',
    ];
    for (const path of commands) {
      expect(Object.keys(paths[path].post.responses).sort()).toEqual(expect.arrayContaining(['400', '404', '409', '412', '422']));
      expect(paths[path].post.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['Idempotency-Key', 'If-Match']));
    }
    expect(paths['/cells/{cellId}/follow-ups/overdue'].get.responses['200']).toBeDefined();
  });
});
