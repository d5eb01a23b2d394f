import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@oriental/event-store';
import { createReadStore } from '@oriental/read-store';
import { loadReferenceData } from '@oriental/reference-data';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, rebuildReadModels, RunningService, ServiceConfig, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { PartnerDirectorySeeder } from '../src/partner-directory/partner-directory.seeder';
import { ReferralListProjection } from '../src/referral-list/referral-list.projection';
import { referralService } from '../src/referral.service';
import { intakeFacts } from './intake-facts';

let key = 0;
const newKey = () => `referral-key-${process.pid}-${++key}-${Date.now()}`;
const T0 = '2026-07-15T09:30:00.000Z';

/** Callers, by the subject of their token (the actor of what they do). */
const agent = (cellId = 'oujda', ordinal = 1) => `agent:${cellId}-${ordinal}`;
const partner = (partnerId: string) => `partner:${partnerId}`;
const REGION = 'coordinator:region';
const referenceData = loadReferenceData();
const CALLERS: TokenRequest[] = [
  ...referenceData.cells.map((cell): TokenRequest => ({ role: 'cell_agent', cellId: cell.id, subject: agent(cell.id) })),
  { role: 'cell_agent', cellId: 'oujda', subject: agent('oujda', 2) },
  ...referenceData.partners.map((p): TokenRequest => ({ role: 'partner', partnerId: p.id, subject: partner(p.id) })),
  { role: 'regional_coordinator', subject: REGION },
];

describe('referral API', () => {
  jest.setTimeout(30_000);
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  let config: ServiceConfig;
  let store: EventStore;
  let facts: ReturnType<typeof intakeFacts>;
  const tokens = new Map<string, string>();
  const clock = fixedClock(T0);
  /** `Authorization` of a caller of CALLERS, by its subject. */
  const bearer = (subject: string) => {
    const token = tokens.get(subject);
    if (!token) throw new Error(`no token for ${subject}: add it to CALLERS`);
    return `Bearer ${token}`;
  };

  const start = async () => {
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'referral');
    store = infrastructure.eventStore;
    facts = intakeFacts(store, infrastructure.bus, () => clock.now());
    service = await startService(referralService, { config, infrastructure, clock, port: 0, logger: new JsonLogger('referral', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    // The issuer's key lives under DATA_DIR: the tokens stay good across a restart.
    for (const caller of CALLERS) if (!tokens.has(caller.subject!)) tokens.set(caller.subject!, await issueToken(config, caller));
  };
  /** Every answer, success or problem, must be one the service's OpenAPI document describes. */
  const documented = (response: request.Response) => expect(response).toSatisfyApiSpec();
  const referralEvents = async () => (await store.readAll({ maxCount: 100_000, streamPrefixes: ['referral-'] })).events;
  const partnerEvents = async () => (await store.readAll({ maxCount: 100_000, streamPrefixes: ['partner-'] })).events;

  /** A command as `as` (default: the Oujda agent), under a fresh Idempotency-Key unless `key` says otherwise (null: none). */
  const post = (path: string, body: unknown, { key = newKey(), as = agent() }: { key?: string | null; as?: string } = {}) => {
    const call = request(service.url).post(path).set('Authorization', bearer(as));
    if (key) call.set('Idempotency-Key', key);
    return call.send(body as object).expect(documented);
  };
  const get = (path: string, as = agent()) => request(service.url).get(path).set('Authorization', bearer(as)).expect(documented);
  const send = (body: object, options?: { key?: string | null; as?: string }) => post('/referrals', body, options);
  const referTo = (beneficiaryId: string, overrides: object = {}) => ({ beneficiaryId, need: 'health', partnerId: 'chr-al-farabi', ...overrides });
  /** A registered beneficiary (consenting to sharing unless told) with a referral sent to the regional hospital by an agent of their cell. */
  const aReferral = async (options: { cellId?: string; sharing?: boolean } = {}) => {
    const beneficiaryId = randomUUID();
    await facts.registered(beneficiaryId, options);
    const { body } = await send(referTo(beneficiaryId, options.sharing === false ? { override: { reason: 'medical emergency' } } : {}), { as: agent(options.cellId) }).expect(201);
    return { beneficiaryId, referralId: body.referralId as string };
  };
  const listed = async (query: string, as = agent()) => (await get(`/referrals?${query}`, as).expect(200)).body.referrals as Record<string, unknown>[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'referral-api-'));
    await start();
    await eventually(async () => expect((await get('/partners').expect(200)).body.partners).toHaveLength(11));
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => clock.set(T0));

  describe('partner directory', () => {
    it('seeds one PartnerRegistered per partner of the reference data', async () => {
      const events = await partnerEvents();
      expect(events.map((e) => e.type)).toEqual(Array(11).fill('PartnerRegistered'));
      expect(events.find((e) => e.stream === 'partner-chr-al-farabi')!.data).toMatchObject({ needs: ['health', 'psychosocial_support'], responseDelayDays: 5 });
    });

    it('appends nothing when seeded again, even by racing instances', async () => {
      const seeder = service.app.get(PartnerDirectorySeeder);
      await Promise.all([seeder.onApplicationBootstrap(), seeder.onApplicationBootstrap(), seeder.onApplicationBootstrap()]);
      expect(await partnerEvents()).toHaveLength(11);
    });

    it('finds the partners covering a need in a province', async () => {
      const { body } = await get('/partners?need=health&province=nador').expect(200);
      expect(body.partners.map((p: { partnerId: string }) => p.partnerId)).toEqual(['chr-al-farabi', 'hospital-nador']);
      expect(body.partners[0]).toEqual({
        partnerId: 'chr-al-farabi',
        name: 'Centre hospitalier régional Al Farabi',
        kind: 'health_facility',
        provinces: expect.arrayContaining(['nador']),
        needs: ['health', 'psychosocial_support'],
        responseDelayDays: 5,
      });
    });

    it('filters by need alone and by province alone', async () => {
      const byNeed = await get('/partners?need=schooling').expect(200);
      expect(byNeed.body.partners.map((p: { partnerId: string }) => p.partnerId)).toEqual(['school-directorate-oujda']);
      const byProvince = await get('/partners?province=guercif').expect(200);
      expect(byProvince.body.partners.map((p: { partnerId: string }) => p.partnerId).sort()).toEqual(['anapec-oriental', 'chr-al-farabi', 'cri-oriental', 'social-action-guercif']);
    });

    it.each([
      ['need=knitting', 'need'],
      ['province=paris', 'province'],
      ['need=health&colour=blue', 'colour'],
    ])('refuses %s with 400 naming the field', async (query, field) => {
      const { body } = await get(`/partners?${query}`).expect(400);
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field })] });
    });
  });

  describe('POST /referrals', () => {
    it('sends a referral: 201 with its id, an ETag and a Location; its event carries the journey, the cell, the time and the actor (the token\'s subject)', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId, { cellId: 'berkane' });
      const response = await send(referTo(beneficiaryId, { note: 'prefers a female doctor' }), { as: agent('berkane') }).expect(201);
      expect(response.body).toEqual({ referralId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(response.headers.etag).toBe('"0"');
      expect(response.headers.location).toBe(`/referrals/${response.body.referralId}`);

      const [event] = await store.readStream(`referral-${response.body.referralId}`);
      expect(event!.type).toBe('ReferralSent');
      expect(event!.metadata).toMatchObject({ beneficiaryId, cellId: 'berkane', actor: 'agent:berkane-1', occurredAt: T0 });
      expect(event!.data).toMatchObject({ cellId: 'berkane', note: 'prefers a female doctor', sentAt: T0, by: 'agent:berkane-1', answerDueBy: '2026-07-20T09:30:00.000Z' });
      expect((await store.readJourney(beneficiaryId)).map((e) => e.type)).toEqual(['BeneficiaryRegistered', 'ReferralSent']);

      const got = await get(`/referrals/${response.body.referralId}`, agent('berkane')).expect(200);
      expect(got.headers.etag).toBe('"0"');
      expect(got.body).toMatchObject({ status: 'sent', beneficiaryId, partnerId: 'chr-al-farabi', need: 'health', cellId: 'berkane', flags: [] });
    });

    it('answers a retry with the same key and body with the same id, appending nothing', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId);
      const idempotencyKey = newKey();
      const first = await send(referTo(beneficiaryId), { key: idempotencyKey }).expect(201);
      const before = (await referralEvents()).length;
      const retry = await send(referTo(beneficiaryId), { key: idempotencyKey }).expect(201);
      expect(retry.body.referralId).toBe(first.body.referralId);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect((await referralEvents()).length).toBe(before);
    });

    it('refuses the same key with another body: 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId);
      const idempotencyKey = newKey();
      await send(referTo(beneficiaryId), { key: idempotencyKey }).expect(201);
      const { body } = await send(referTo(beneficiaryId, { need: 'psychosocial_support' }), { key: idempotencyKey }).expect(409);
      expect(body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses the same key and body from another subject, even of the same cell: 409 IDEMPOTENCY_KEY_REUSED, appending nothing', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId);
      const idempotencyKey = newKey();
      await send(referTo(beneficiaryId), { key: idempotencyKey }).expect(201);
      const before = (await referralEvents()).length;
      const { body } = await send(referTo(beneficiaryId), { key: idempotencyKey, as: agent('oujda', 2) }).expect(409);
      expect(body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await referralEvents()).length).toBe(before);
    });

    it('requires an Idempotency-Key', async () => {
      const { body } = await send(referTo(randomUUID()), { key: null }).expect(400);
      expect(body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    });

    it('lists every invalid and unknown field with 400, appending nothing', async () => {
      const before = (await referralEvents()).length;
      const { body } = await send({ beneficiaryId: 'someone', need: 'Health!', partnerId: 'CHR Al Farabi', colour: 'blue', override: { reason: '' } }).expect(400);
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['beneficiaryId', 'colour', 'need', 'override.reason', 'partnerId']);
      expect((await referralEvents()).length).toBe(before);
    });

    it('refuses a need that is not in the catalogue with 400', async () => {
      const { body } = await send(referTo(randomUUID(), { need: 'knitting' })).expect(400);
      expect(body.errors).toEqual([{ field: 'need', message: 'unknown need "knitting"' }]);
    });

    it.each([
      ['PARTNER_DOES_NOT_COVER_NEED', { need: 'schooling' }],
      ['PARTNER_NOT_KNOWN', { partnerId: 'nobody-at-all' }],
    ])('answers 422 %s, appending nothing', async (code, overrides) => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId);
      const before = (await referralEvents()).length;
      const { body } = await send(referTo(beneficiaryId, overrides)).expect(422);
      expect(body).toMatchObject({ status: 422, code });
      expect((await referralEvents()).length).toBe(before);
    });

    it('answers 422 BENEFICIARY_NOT_KNOWN for a beneficiary intake never told referral of', async () => {
      const { body } = await send(referTo(randomUUID())).expect(422);
      expect(body.code).toBe('BENEFICIARY_NOT_KNOWN');
    });

    it('answers 422 CASE_CLOSED once intake closed the case, and sends again once reopened', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId);
      await facts.caseClosed(beneficiaryId);
      expect((await send(referTo(beneficiaryId)).expect(422)).body.code).toBe('CASE_CLOSED');
      await facts.caseReopened(beneficiaryId);
      await send(referTo(beneficiaryId)).expect(201);
    });
  });

  describe('consent gate', () => {
    it('answers 422 CONSENT_REQUIRED without consent to sharing, appending nothing', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId, { sharing: false });
      const before = (await referralEvents()).length;
      const { body } = await send(referTo(beneficiaryId)).expect(422);
      expect(body.code).toBe('CONSENT_REQUIRED');
      expect((await referralEvents()).length).toBe(before);
    });

    it('sends under an override, recording its reason and who overrode; the published lists say only that consent was overridden', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId, { sharing: false });
      const { body } = await send(referTo(beneficiaryId, { override: { reason: 'medical emergency at night' } })).expect(201);
      const [event] = await store.readStream(`referral-${body.referralId}`);
      expect(event!.data).toMatchObject({ consentOverride: { reason: 'medical emergency at night', by: 'agent:oujda-1' } });
      const [summary] = await eventually(async () => {
        const referrals = await listed(`beneficiaryId=${beneficiaryId}`);
        expect(referrals).toHaveLength(1);
        return referrals;
      });
      expect(summary).toMatchObject({ consentOverridden: true });
      expect(JSON.stringify(summary)).not.toMatch(/emergency/);
    });

    it('follows consent given after registration', async () => {
      const beneficiaryId = randomUUID();
      await facts.registered(beneficiaryId, { sharing: false });
      await facts.consentGiven(beneficiaryId);
      await send(referTo(beneficiaryId)).expect(201);
      const consent = await get(`/beneficiaries/${beneficiaryId}/sharing-consent`).expect(200);
      expect(consent.body).toEqual({ beneficiaryId, cellId: 'oujda', sharing: true });
    });
  });

  describe('the partner’s answer and the lifecycle', () => {
    it('the partner addressed accepts then completes, each answer with the new revision as ETag, its token\'s subject the actor', async () => {
      const { referralId } = await aReferral();
      const hospital = partner('chr-al-farabi');
      const accepted = await post(`/referrals/${referralId}/accept`, { note: 'appointment on Monday' }, { as: hospital }).expect(200);
      expect(accepted.body).toEqual({ referralId, status: 'accepted' });
      expect(accepted.headers.etag).toBe('"1"');
      const completed = await post(`/referrals/${referralId}/complete`, { outcome: 'partially_resolved' }, { as: hospital }).set('If-Match', '"1"').expect(200);
      expect(completed.body).toEqual({ referralId, status: 'completed' });
      const events = await store.readStream(`referral-${referralId}`);
      expect(events.map((e) => e.type)).toEqual(['ReferralSent', 'ReferralAccepted', 'ReferralCompleted']);
      expect(events[1]!.metadata).toMatchObject({ cellId: 'oujda', actor: hospital });
      expect(events[2]!.metadata).toMatchObject({ cellId: 'oujda', actor: hospital });
      expect(events[2]!.data).toMatchObject({ outcome: 'partially_resolved', completedAt: T0, by: hospital });
    });

    it('the cell\'s staff record the partner\'s answer themselves: the actor is the agent\'s subject', async () => {
      const { referralId } = await aReferral();
      await post(`/referrals/${referralId}/accept`, {}).expect(200);
      const [, accepted] = await store.readStream(`referral-${referralId}`);
      expect(accepted!.metadata).toMatchObject({ cellId: 'oujda', actor: agent() });
      expect(accepted!.data).toMatchObject({ by: agent() });
    });

    it('declines with a reason', async () => {
      const { referralId } = await aReferral();
      await post(`/referrals/${referralId}/decline`, { reason: 'no_capacity', note: 'full until September' }).expect(200);
      expect((await store.readStream(`referral-${referralId}`))[1]!.data).toMatchObject({ reason: 'no_capacity', note: 'full until September' });
    });

    it('revokes an open referral', async () => {
      const { referralId } = await aReferral();
      const { body } = await post(`/referrals/${referralId}/revoke`, { reason: 'need_met_elsewhere' }).expect(200);
      expect(body.status).toBe('revoked');
    });

    it.each([
      ['accept', {}, 'REFERRAL_NOT_AWAITING_ANSWER'],
      ['decline', { reason: 'other' }, 'REFERRAL_NOT_AWAITING_ANSWER'],
      ['complete', { outcome: 'resolved' }, 'REFERRAL_NOT_ACCEPTED'],
      ['revoke', { reason: 'other' }, 'REFERRAL_ALREADY_CLOSED'],
    ])('refuses to %s a declined referral with 422 %s, appending nothing', async (action, body, code) => {
      const { referralId } = await aReferral();
      await post(`/referrals/${referralId}/decline`, { reason: 'out_of_scope' }).expect(200);
      const response = await post(`/referrals/${referralId}/${action}`, body).expect(422);
      expect(response.body).toMatchObject({ status: 422, code });
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(2);
    });

    it('refuses to complete a referral not accepted yet', async () => {
      const { referralId } = await aReferral();
      expect((await post(`/referrals/${referralId}/complete`, { outcome: 'resolved' }).expect(422)).body.code).toBe('REFERRAL_NOT_ACCEPTED');
    });

    it('answers 412 STALE_REVISION to a stale If-Match, appending nothing', async () => {
      const { referralId } = await aReferral();
      await post(`/referrals/${referralId}/accept`, {}).expect(200);
      const { body } = await post(`/referrals/${referralId}/revoke`, { reason: 'other' }).set('If-Match', '"0"').expect(412);
      expect(body.code).toBe('STALE_REVISION');
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(2);
    });

    it('answers a retried answer from the stream', async () => {
      const { referralId } = await aReferral();
      const idempotencyKey = newKey();
      await post(`/referrals/${referralId}/accept`, {}, { key: idempotencyKey }).expect(200);
      const retry = await post(`/referrals/${referralId}/accept`, {}, { key: idempotencyKey }).expect(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body.status).toBe('accepted');
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(2);
    });

    it.each([
      ['decline', { reason: 'bored' }, 'reason'],
      ['decline', {}, 'reason'],
      ['complete', { outcome: 'great' }, 'outcome'],
      ['revoke', { reason: 'case_closed' }, 'reason'],
      ['accept', { note: 'x', extra: 1 }, 'extra'],
    ])('refuses a bad %s body with 400 on %s', async (action, body, field) => {
      const { referralId } = await aReferral();
      const response = await post(`/referrals/${referralId}/${action}`, body).expect(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ field })]);
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(1);
    });

    it('answers 404 REFERRAL_NOT_FOUND for a referral never sent, 400 for an id that is not one', async () => {
      expect((await post(`/referrals/${randomUUID()}/accept`, {}).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect((await get(`/referrals/${randomUUID()}`).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect((await post('/referrals/not-an-id/accept', {}).expect(400)).body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    });
  });

  describe('lists', () => {
    it('lists a beneficiary’s referrals and a partner’s, following their status', async () => {
      const { beneficiaryId, referralId } = await aReferral();
      clock.set('2026-07-15T10:00:00.000Z');
      const second = await send(referTo(beneficiaryId, { partnerId: 'ngo-migrants-oujda', need: 'housing' })).expect(201);
      await post(`/referrals/${referralId}/accept`, {}).expect(200);
      const referrals = await eventually(async () => {
        const found = await listed(`beneficiaryId=${beneficiaryId}`);
        expect(found.map((r) => r['status'])).toEqual(['accepted', 'sent']);
        return found;
      });
      expect(referrals.map((r) => r['referralId'])).toEqual([referralId, second.body.referralId]);
      expect(referrals[0]).toMatchObject({ beneficiaryId, partnerId: 'chr-al-farabi', need: 'health', cellId: 'oujda', flagged: false, overdue: false });
      expect(referrals[0]).not.toHaveProperty('note');
      const byPartner = await listed('partnerId=ngo-migrants-oujda', partner('ngo-migrants-oujda'));
      expect(byPartner.map((r) => r['referralId'])).toContain(second.body.referralId);
      expect(byPartner.map((r) => r['referralId'])).not.toContain(referralId);
    });

    it('lists the overdue referrals of a cell: awaiting an answer past the partner’s response delay', async () => {
      const cellId = 'figuig';
      const figuigAgent = agent(cellId);
      const late = await aReferral({ cellId });
      const answered = await aReferral({ cellId });
      await post(`/referrals/${answered.referralId}/accept`, {}, { as: figuigAgent }).expect(200);
      clock.set('2026-07-17T00:00:00.000Z');
      const ngo = await send(referTo(late.beneficiaryId, { partnerId: 'ngo-migrants-oujda', need: 'housing' }), { as: figuigAgent }).expect(201);
      await eventually(async () => expect(await listed(`cellId=${cellId}`, figuigAgent)).toHaveLength(3));

      clock.set('2026-07-20T09:30:00.000Z');
      expect(await listed(`overdue=true&cellId=${cellId}`, figuigAgent)).toEqual([]);
      clock.set('2026-07-20T09:30:00.001Z');
      const overdue = await listed(`overdue=true&cellId=${cellId}`, figuigAgent);
      expect(overdue.map((r) => r['referralId'])).toEqual([late.referralId]);
      expect(overdue[0]).toMatchObject({ overdue: true, status: 'sent', answerDueBy: '2026-07-20T09:30:00.000Z' });
      clock.set('2026-07-23T00:00:00.000Z');
      expect((await listed(`overdue=true&cellId=${cellId}`, figuigAgent)).map((r) => r['referralId'])).toEqual([late.referralId, ngo.body.referralId]);
    });

    it.each([
      ['', '(query)'],
      ['overdue=true', 'cellId'],
      ['beneficiaryId=someone', 'beneficiaryId'],
      ['cellId=oujda&overdue=maybe', 'overdue'],
      ['cellId=oujda&page=2', 'page'],
    ])('refuses ?%s with 400 on %s', async (query, field) => {
      const { body } = await get(`/referrals?${query}`).expect(400);
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('reactions to intake', () => {
    it('flags open referrals when consent to sharing is withdrawn, clears them when given again, and de-duplicates a redelivery', async () => {
      const { beneficiaryId, referralId } = await aReferral();
      const declined = await send(referTo(beneficiaryId, { partnerId: 'ngo-migrants-oujda', need: 'housing' })).expect(201);
      await post(`/referrals/${declined.body.referralId}/decline`, { reason: 'not_eligible' }).expect(200);

      const withdrawn = await facts.consentWithdrawn(beneficiaryId);
      const events = await store.readStream(`referral-${referralId}`);
      expect(events.map((e) => e.type)).toEqual(['ReferralSent', 'ReferralFlagged']);
      expect(events[1]!.metadata).toMatchObject({ beneficiaryId, cellId: 'oujda', actor: 'system:referral', causationId: withdrawn.id, correlationId: withdrawn.metadata.correlationId });
      expect(events[1]!.data).toMatchObject({ reason: 'consent_withdrawn', flaggedAt: T0, by: 'system:referral' });
      expect(await store.readStream(`referral-${declined.body.referralId}`)).toHaveLength(2);
      await eventually(async () =>
        // Sent at the same instant (the clock is fixed): compared in no particular order.
        expect(Object.fromEntries((await listed(`beneficiaryId=${beneficiaryId}`)).map((r) => [r['referralId'], [r['flagged'], r['flags']]]))).toEqual({
          [referralId]: [true, ['consent_withdrawn']],
          [declined.body.referralId]: [false, []],
        }),
      );
      expect((await send(referTo(beneficiaryId)).expect(422)).body.code).toBe('CONSENT_REQUIRED');

      const before = (await referralEvents()).length;
      await facts.publish(withdrawn);
      await facts.publish(withdrawn);
      expect((await referralEvents()).length).toBe(before);

      await facts.consentGiven(beneficiaryId);
      expect((await store.readStream(`referral-${referralId}`)).map((e) => e.type)).toEqual(['ReferralSent', 'ReferralFlagged', 'ReferralFlagCleared']);
      await eventually(async () => expect((await listed(`beneficiaryId=${beneficiaryId}`)).find((r) => r['referralId'] === referralId)).toMatchObject({ flagged: false, flags: [] }));
      // The withdrawal delivered late, after consent was given again, changes nothing.
      await facts.publish(withdrawn);
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(3);
    });

    it('ignores consents to other purposes', async () => {
      const { beneficiaryId, referralId } = await aReferral();
      await facts.consentWithdrawn(beneficiaryId, 'statistics');
      expect(await store.readStream(`referral-${referralId}`)).toHaveLength(1);
    });

    it('revokes open referrals when the case is closed, never one sent after a reopening', async () => {
      const { beneficiaryId, referralId } = await aReferral();
      const accepted = await send(referTo(beneficiaryId, { partnerId: 'ngo-migrants-oujda', need: 'housing' })).expect(201);
      await post(`/referrals/${accepted.body.referralId}/accept`, {}).expect(200);
      const closed = await facts.caseClosed(beneficiaryId);
      for (const id of [referralId, accepted.body.referralId]) {
        const last = (await store.readStream(`referral-${id}`)).at(-1)!;
        expect(last).toMatchObject({ type: 'ReferralRevoked', data: expect.objectContaining({ reason: 'case_closed', by: 'system:referral' }) });
      }
      await facts.caseReopened(beneficiaryId);
      const afterReopening = await send(referTo(beneficiaryId)).expect(201);
      await facts.publish(closed);
      expect(await store.readStream(`referral-${afterReopening.body.referralId}`)).toHaveLength(1);
      await eventually(async () =>
        expect((await listed(`beneficiaryId=${beneficiaryId}`)).map((r) => [r['status'], r['revokeReason'] ?? null]).sort()).toEqual([
          ['revoked', 'case_closed'],
          ['revoked', 'case_closed'],
          ['sent', null],
        ]),
      );
    });

    it('moves open referrals with a transferred case: lists and overdue by cell follow', async () => {
      const { beneficiaryId, referralId } = await aReferral({ cellId: 'guercif' });
      const declined = await send(referTo(beneficiaryId, { partnerId: 'anapec-oriental', need: 'vocational_training_employment' }), { as: agent('guercif') }).expect(201);
      await post(`/referrals/${declined.body.referralId}/decline`, { reason: 'no_capacity' }, { as: agent('guercif') }).expect(200);
      await facts.transferAccepted(beneficiaryId, 'guercif', 'driouch');
      const moved = (await store.readStream(`referral-${referralId}`)).at(-1)!;
      expect(moved).toMatchObject({ type: 'ReferralMoved', data: expect.objectContaining({ fromCellId: 'guercif', toCellId: 'driouch' }) });
      expect(moved.metadata.cellId).toBe('driouch');
      expect(await store.readStream(`referral-${declined.body.referralId}`)).toHaveLength(2);
      await eventually(async () => expect((await listed('cellId=driouch', agent('driouch'))).map((r) => r['referralId'])).toEqual([referralId]));
      clock.set('2026-08-01T00:00:00.000Z');
      expect((await listed('overdue=true&cellId=driouch', agent('driouch'))).map((r) => r['referralId'])).toEqual([referralId]);
      expect((await listed('overdue=true&cellId=guercif', REGION)).map((r) => r['referralId'])).not.toContain(referralId);
      const theCase = await get(`/beneficiaries/${beneficiaryId}/case`, agent('driouch')).expect(200);
      expect(theCase.body).toEqual({ beneficiaryId, cellId: 'driouch', sharing: true, status: 'open' });
      // The case and its open referral are the receiving cell's now: the sending cell no longer sees them.
      await get(`/referrals/${referralId}`, agent('driouch')).expect(200);
      expect((await get(`/referrals/${referralId}`, agent('guercif')).expect(404)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect((await get(`/beneficiaries/${beneficiaryId}/case`, agent('guercif')).expect(404)).body.code).toBe('BENEFICIARY_NOT_KNOWN');
    });
  });

  describe('read models', () => {
    it('rebuild from the log into what the bus built', async () => {
      const rebuiltStore = await createReadStore({ kind: 'memory', file: join(dataDir, 'rebuilt.sqlite') });
      try {
        const models = referralService.readModels!(rebuiltStore, config);
        await rebuildReadModels(store, models);
        const live = service.app.get(ReferralListProjection);
        const rebuilt = models.find((model): model is ReferralListProjection => model instanceof ReferralListProjection)!;
        const data = async (projection: ReferralListProjection) => (await projection.documents.find()).map((d) => d.data).sort((a, b) => a.referralId.localeCompare(b.referralId));
        expect((await data(rebuilt)).length).toBeGreaterThan(10);
        expect(await data(rebuilt)).toEqual(await data(live));
        expect((await rebuiltStore.collection('referral_partners').find()).length).toBe(11);
      } finally {
        await rebuiltStore.close();
      }
    });

    it('keep the directory across a restart without seeding twice', async () => {
      await service.stop();
      await start();
      expect(await partnerEvents()).toHaveLength(11);
      expect((await get('/partners?need=health').expect(200)).body.partners).toHaveLength(2);
    });
  });
});
