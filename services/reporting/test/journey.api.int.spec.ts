import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { reportingService } from '../src/reporting.service';
import { aJourney, theScenario } from './journey-events';

/** Who reads journeys: auditors and the region every one, a province's coordinator and a cell's supervisor those of their cases now. */
const CALLERS = {
  auditor: { role: 'auditor', subject: 'auditor:1' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region' },
  nadorCoordinator: { role: 'provincial_coordinator', province: 'nador', subject: 'coordinator:nador' },
  oujdaCoordinator: { role: 'provincial_coordinator', province: 'oujda-angad', subject: 'coordinator:oujda-angad' },
  nadorSupervisor: { role: 'cell_supervisor', cellId: 'nador', subject: 'supervisor:nador' },
  oujdaSupervisor: { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda' },
  nadorAgent: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  partner: { role: 'partner', partnerId: 'anapec-oriental', subject: 'partner:anapec-oriental' },
  trainer: { role: 'trainer', subject: 'trainer:1' },
} satisfies Record<string, TokenRequest>;
type Caller = keyof typeof CALLERS;

describe('journeys API', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  const tokens = {} as Record<Caller, string>;
  const scenario = theScenario();
  const { beneficiaryId } = scenario;

  const get = (path: string, as: Caller = 'auditor') => request(service.url).get(path).set('Authorization', `Bearer ${tokens[as]}`);
  const state = (id: string, asOf?: string, as: Caller = 'auditor') => {
    const call = get(`/journeys/${id}/state`, as);
    return asOf === undefined ? call : call.query({ asOf });
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'journeys-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'reporting');
    // Another beneficiary's events sit between this one's in the log: a journey must not show them.
    const other = aJourney().registered('2026-07-01T09:10:00.000Z', { cellId: 'berkane' }).referralSent('2026-07-03T09:00:00.000Z', 'amsed', 'health');
    await scenario.appendTo(infrastructure.eventStore);
    await other.appendTo(infrastructure.eventStore);
    service = await startService(reportingService, {
      config,
      infrastructure,
      clock: fixedClock('2026-09-01T00:00:00.000Z'),
      port: 0,
      logger: new JsonLogger('reporting', 'error'),
    });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [name, caller] of Object.entries(CALLERS)) tokens[name as Caller] = await issueToken(config, caller);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('GET /journeys/{beneficiaryId}', () => {
    it('lists every event of the beneficiary across intake and referral, in order, each in one line', async () => {
      const response = await get(`/journeys/${beneficiaryId}`).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body.beneficiaryId).toBe(beneficiaryId);
      expect(response.body.events.map((event: { type: string; summary: string }) => [event.type, event.summary])).toEqual([
        ['BeneficiaryRegistered', 'Registered at oujda as returnee'],
        ['NeedsAssessed', 'Needs assessed: vocational_training_employment (high), legal_aid (medium)'],
        ['ReferralSent', 'Referred to anapec-oriental for vocational_training_employment'],
        ['ReferralDeclined', 'Referral to anapec-oriental declined: no_capacity'],
        ['ReferralSent', 'Referred to ofppt-oujda for vocational_training_employment (consent override)'],
        ['ReferralAccepted', 'Referral to ofppt-oujda accepted'],
        ['FollowUpScheduled', 'Follow-up scheduled for 2026-07-20'],
        ['ConsentWithdrawn', 'Consent to sharing withdrawn'],
        ['ReferralCompleted', 'Referral to ofppt-oujda completed: resolved'],
        ['NeedMet', 'Need met: vocational_training_employment'],
        ['TransferRequested', 'Transfer to nador requested: moved'],
        ['TransferAccepted', 'Transfer to nador accepted'],
        ['CaseClosed', 'Case closed: resolved'],
      ]);
      const occurredAt = response.body.events.map((event: { occurredAt: string }) => event.occurredAt);
      expect(occurredAt).toEqual([...occurredAt].sort());
      expect(response.body.events[0]).toMatchObject({
        occurredAt: '2026-07-01T09:00:00.000Z',
        actor: 'agent:oujda-1',
        cellId: 'oujda',
        stream: `beneficiary-${beneficiaryId}`,
        revision: 0,
        position: expect.any(String),
      });
      expect(response.body.events[11]).toMatchObject({ type: 'TransferAccepted', cellId: 'nador', actor: 'agent:nador-1' });
    });

    it('never opens sealed personal data and withholds free-text notes', async () => {
      const response = await get(`/journeys/${beneficiaryId}`).expect(200);
      const body = JSON.stringify(response.body);
      for (const secret of ['Amina', 'Benali', '+212600000000', 'Karim', 'Haddou', 'Alami', 'c2VhbGVk']) expect(body).not.toContain(secret);
      const [registered] = response.body.events;
      expect(registered.data.person).toBe('[personal data: encrypted]');
      expect(registered.data.birthYear).toBe('[personal data: withheld]');
      const followUp = response.body.events.find((event: { type: string }) => event.type === 'FollowUpScheduled');
      expect(followUp.data.note).toBe('[personal data: encrypted]');
      const overridden = response.body.events[4];
      expect(overridden.data).toMatchObject({ note: '[free text: withheld]', consentOverride: { reason: '[free text: withheld]', by: 'agent:oujda-1' } });
    });

    it('lists an event of a kind it does not know with a generic summary', async () => {
      const journey = await aJourney().registered('2026-07-01T09:00:00.000Z', { cellId: 'nador', category: 'rpt' }).unknownEvent('2026-07-02T09:00:00.000Z').appendTo(infrastructure.eventStore);
      const response = await get(`/journeys/${journey.beneficiaryId}`).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body.events.map((event: { summary: string }) => event.summary)).toEqual(['Registered at nador as rpt', 'WorkshopAttended recorded in training']);
    });

    it('answers 404 JOURNEY_NOT_FOUND for a beneficiary without events', async () => {
      const response = await get(`/journeys/${randomUUID()}`).expect(404);
      expect(response).toSatisfyApiSpec();
      expect(response.body.code).toBe('JOURNEY_NOT_FOUND');
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const response = await get('/journeys/not-a-uuid').expect(400);
      expect(response).toSatisfyApiSpec();
      expect(response.body.errors).toEqual([{ field: 'beneficiaryId', message: 'must be a UUID' }]);
    });
  });

  describe('GET /journeys/{beneficiaryId}/state?asOf=', () => {
    it('between the decline and the second referral: one declined referral, nothing completed', async () => {
      const response = await state(beneficiaryId, '2026-07-07T00:00:00Z').expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toEqual({
        beneficiaryId,
        asOf: '2026-07-07T00:00:00.000Z',
        eventsApplied: 4,
        lastEventAt: '2026-07-05T14:00:00.000Z',
        cellId: 'oujda',
        registeredAtCellId: 'oujda',
        registeredAt: '2026-07-01T09:00:00.000Z',
        category: 'returnee',
        status: 'open',
        closure: null,
        consents: { services: true, sharing: true, statistics: true },
        needs: [
          { code: 'vocational_training_employment', priority: 'high', status: 'open', assessedAt: '2026-07-01T09:30:00.000Z' },
          { code: 'legal_aid', priority: 'medium', status: 'open', assessedAt: '2026-07-01T09:30:00.000Z' },
        ],
        followUps: [],
        pendingTransfer: null,
        referrals: [
          {
            referralId: scenario.referralIds[0],
            partnerId: 'anapec-oriental',
            need: 'vocational_training_employment',
            cellId: 'oujda',
            status: 'declined',
            consentOverridden: false,
            sentAt: '2026-07-02T10:00:00.000Z',
            answerDueBy: '2026-08-30T00:00:00.000Z',
            answeredAt: '2026-07-05T14:00:00.000Z',
            declineReason: 'no_capacity',
            closedAt: '2026-07-05T14:00:00.000Z',
            flags: [],
          },
        ],
      });
    });

    it('counts an event that occurred exactly at asOf, and reads asOf in any time zone', async () => {
      const atDecline = await state(beneficiaryId, '2026-07-05T16:00:00+02:00').expect(200);
      expect(atDecline.body.referrals.map((referral: { status: string }) => referral.status)).toEqual(['declined']);
      const justBefore = await state(beneficiaryId, '2026-07-05T13:59:59.999Z').expect(200);
      expect(justBefore.body.referrals.map((referral: { status: string }) => referral.status)).toEqual(['sent']);
    });

    it('after the second referral was accepted and consent to sharing withdrawn: a pending follow-up, nothing completed yet', async () => {
      const response = await state(beneficiaryId, '2026-07-20T00:00:00Z').expect(200);
      expect(response.body).toMatchObject({
        eventsApplied: 8,
        status: 'open',
        consents: { services: true, sharing: false, statistics: true },
        followUps: [{ followUpId: '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', dueDate: '2026-07-20', scheduledAt: '2026-07-12T09:00:00.000Z' }],
      });
      expect(response.body.referrals.map((referral: { partnerId: string; status: string; consentOverridden: boolean }) => [referral.partnerId, referral.status, referral.consentOverridden])).toEqual([
        ['anapec-oriental', 'declined', false],
        ['ofppt-oujda', 'accepted', true],
      ]);
    });

    it('while the transfer awaits the receiving cell, the case is still the sending cell\'s', async () => {
      const response = await state(beneficiaryId, '2026-08-01T12:00:00Z').expect(200);
      expect(response.body).toMatchObject({ cellId: 'oujda', pendingTransfer: { toCellId: 'nador', reason: 'moved', requestedAt: '2026-08-01T09:00:00.000Z' } });
    });

    it('without asOf, answers the case now: transferred to nador, the need met, the referral completed, closed', async () => {
      const response = await state(beneficiaryId).expect(200);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toMatchObject({
        asOf: '2026-09-01T00:00:00.000Z',
        eventsApplied: 13,
        lastEventAt: '2026-08-20T12:00:00.000Z',
        cellId: 'nador',
        registeredAtCellId: 'oujda',
        status: 'closed',
        closure: { reason: 'resolved', closedAt: '2026-08-20T12:00:00.000Z' },
        pendingTransfer: null,
      });
      expect(response.body.needs.map((need: { code: string; status: string }) => [need.code, need.status])).toEqual([
        ['vocational_training_employment', 'met'],
        ['legal_aid', 'open'],
      ]);
      expect(response.body.referrals.map((referral: { status: string; outcome?: string }) => [referral.status, referral.outcome])).toEqual([
        ['declined', undefined],
        ['completed', 'resolved'],
      ]);
      expect(JSON.stringify(response.body)).not.toMatch(/Amina|Benali|Karim|Haddou|Alami|birthYear|person|note/);
    });

    it('answers 404 JOURNEY_NOT_STARTED before the first event, and JOURNEY_NOT_FOUND for an unknown beneficiary', async () => {
      const before = await state(beneficiaryId, '2026-07-01T08:59:59Z').expect(404);
      expect(before).toSatisfyApiSpec();
      expect(before.body).toMatchObject({ code: 'JOURNEY_NOT_STARTED', detail: expect.stringContaining('2026-07-01T09:00:00.000Z') });
      const unknown = await state(randomUUID(), '2026-07-07T00:00:00Z').expect(404);
      expect(unknown.body.code).toBe('JOURNEY_NOT_FOUND');
    });

    it.each(['yesterday', '2026-07-07', '2026-07-07T00:00:00', '2026-02-30T00:00:00Z', ''])('answers 400 with a field error for asOf=%j', async (asOf) => {
      const response = await state(beneficiaryId, asOf).expect(400);
      expect(response).toSatisfyApiSpec();
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'asOf', message: expect.stringContaining('ISO 8601') }] });
    });

    it('cuts each stream where its clock passed asOf: a referral answered by a clock behind the sender\'s is not answered before it was sent', async () => {
      // The partner's clock runs an hour behind: its acceptance says 09:30, the referral was sent at 10:00.
      const skewed = aJourney()
        .registered('2026-07-01T09:00:00.000Z')
        .referralSent('2026-07-02T10:00:00.000Z', 'anapec-oriental', 'legal_aid')
        .referralAccepted('2026-07-02T09:30:00.000Z');
      await skewed.appendTo(infrastructure.eventStore);
      const between = await state(skewed.beneficiaryId, '2026-07-02T09:45:00Z').expect(200);
      expect(between.body).toMatchObject({ eventsApplied: 1, referrals: [] });
      const after = await state(skewed.beneficiaryId, '2026-07-02T10:00:00Z').expect(200);
      expect(after.body.referrals.map((referral: { status: string }) => referral.status)).toEqual(['accepted']);
    });
  });

  describe('who reads a journey (the scenario\'s case was registered at Oujda and is Nador\'s now)', () => {
    it.each<Caller>(['auditor', 'region', 'nadorCoordinator', 'nadorSupervisor'])('%s reads the journey and the case at any instant', async (as) => {
      const journey = await get(`/journeys/${beneficiaryId}`, as).expect(200);
      expect(journey).toSatisfyApiSpec();
      expect(journey.body.events).toHaveLength(13);
      const before = await state(beneficiaryId, '2026-07-07T00:00:00Z', as).expect(200);
      expect(before.body.cellId).toBe('oujda');
    });

    it.each<Caller>(['oujdaCoordinator', 'oujdaSupervisor'])('%s, over the cell the case left, gets 404 JOURNEY_NOT_FOUND for the journey and the state, even as of when it was theirs', async (as) => {
      const journey = await get(`/journeys/${beneficiaryId}`, as).expect(404);
      expect(journey).toSatisfyApiSpec();
      expect(journey.body.code).toBe('JOURNEY_NOT_FOUND');
      const then = await state(beneficiaryId, '2026-07-07T00:00:00Z', as).expect(404);
      expect(then).toSatisfyApiSpec();
      expect(then.body.code).toBe('JOURNEY_NOT_FOUND');
    });

    it('a supervisor gets 404 for an unknown beneficiary, as for a case of another cell', async () => {
      expect((await get(`/journeys/${randomUUID()}`, 'nadorSupervisor').expect(404)).body.code).toBe('JOURNEY_NOT_FOUND');
    });

    it.each<Caller>(['nadorAgent', 'partner', 'trainer'])('%s gets 403 ROLE_NOT_ALLOWED', async (as) => {
      for (const response of [await get(`/journeys/${beneficiaryId}`, as).expect(403), await state(beneficiaryId, undefined, as).expect(403)]) {
        expect(response).toSatisfyApiSpec();
        expect(response.body.code).toBe('ROLE_NOT_ALLOWED');
      }
    });

    it('without a token: 401 AUTHENTICATION_REQUIRED', async () => {
      const response = await request(service.url).get(`/journeys/${beneficiaryId}`).expect(401);
      expect(response).toSatisfyApiSpec();
      expect(response.body.code).toBe('AUTHENTICATION_REQUIRED');
    });
  });
});
