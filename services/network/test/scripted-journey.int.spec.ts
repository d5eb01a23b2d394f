import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { fixedClock, issueToken, JsonLogger, loadConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { RunningNetwork, startNetwork } from '../src/network';

let key = 0;
const newKey = () => `scripted-journey-${process.pid}-${++key}`;

/** Who acts: the cells' agents, the partner a referral is addressed to, and an auditor reading journeys and reports. */
const CALLERS = {
  oujda: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  berkane: { role: 'cell_agent', cellId: 'berkane', subject: 'agent:berkane-1' },
  nador: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  legalAid: { role: 'partner', partnerId: 'legal-aid-oriental', subject: 'partner:legal-aid-1' },
  auditor: { role: 'auditor', subject: 'auditor-1' },
} as const;
type Caller = keyof typeof CALLERS;

/**
 * Issue 6's scripted journey on the embedded default, through every service's HTTP API, as a
 * cell agent and an auditor would run it: register, assess a need, refer without consent (422),
 * with an override (201), decline, refer again, accept, complete; then the journey, the state as
 * of an instant between the decline and the second referral, a stale If-Match, a transliterated
 * duplicate, and a transfer in the report.
 */
describe('a scripted journey on the embedded network', () => {
  const clock = fixedClock('2026-12-01T09:00:00.000Z');
  let dataDir: string;
  let network: RunningNetwork;
  const url = (service: string) => network.urls[service]!;
  const tokens = {} as Record<Caller, string>;
  /** A command, as the Oujda agent unless `as` says who. */
  const command = (service: string, path: string, body: object = {}, headers: Record<string, string> = {}, as: Caller = 'oujda') =>
    request(url(service)).post(path).set({ 'Idempotency-Key': newKey(), Authorization: `Bearer ${tokens[as]}`, ...headers }).send(body);
  /** A query, as the auditor unless `as` says who. */
  const query = (service: string, path: string, as: Caller = 'auditor') => request(url(service)).get(path).set('Authorization', `Bearer ${tokens[as]}`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scripted-journey-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    network = await startNetwork(config, {
      clock,
      logger: (service) => new JsonLogger(service, 'error'),
      ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 },
    });
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(config, claims);
  });

  afterAll(async () => {
    await network.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the casework, replays it in order, and shows the case as it stood at any instant', async () => {
    const registered = await command('intake', '/beneficiaries', aRegistrationBody({ consent: { services: true, sharing: false, statistics: true } })).expect(201);
    const { beneficiaryId } = registered.body as { beneficiaryId: string };

    clock.set('2026-12-01T09:05:00.000Z');
    await command('intake', `/beneficiaries/${beneficiaryId}/needs`, { needs: [{ code: 'legal_aid', priority: 'high' }] }, { 'If-Match': registered.headers.etag! }).expect(200);
    // A stale If-Match: the case moved on since that ETag.
    const stale = await command('intake', `/beneficiaries/${beneficiaryId}/needs`, { needs: [{ code: 'health', priority: 'low' }] }, { 'If-Match': registered.headers.etag! }).expect(412);
    expect(stale.body.code).toBe('STALE_REVISION');

    // Referral learns of the case from intake's events.
    await eventually(() => query('referral', `/beneficiaries/${beneficiaryId}/case`, 'oujda').expect(200));
    const referral = { beneficiaryId, need: 'legal_aid', partnerId: 'legal-aid-oriental' };
    clock.set('2026-12-01T09:10:00.000Z');
    const refused = await command('referral', '/referrals', referral).expect(422);
    expect(refused.body.code).toBe('CONSENT_REQUIRED');
    const first = await command('referral', '/referrals', { ...referral, override: { reason: 'urgent hearing; consent given orally' } }).expect(201);

    clock.set('2026-12-01T09:20:00.000Z');
    await command('referral', `/referrals/${first.body.referralId}/decline`, { reason: 'no_capacity' }, {}, 'legalAid').expect(200);

    clock.set('2026-12-01T09:40:00.000Z');
    const second = await command('referral', '/referrals', { ...referral, override: { reason: 'urgent hearing; consent given orally' } }).expect(201);
    clock.set('2026-12-01T09:45:00.000Z');
    await command('referral', `/referrals/${second.body.referralId}/accept`, {}, {}, 'legalAid').expect(200);
    clock.set('2026-12-01T10:00:00.000Z');
    await command('referral', `/referrals/${second.body.referralId}/complete`, { outcome: 'resolved' }, {}, 'legalAid').expect(200);

    const journey = await query('reporting', `/journeys/${beneficiaryId}`).expect(200);
    expect(journey.body.events.map((event: { type: string }) => event.type)).toEqual([
      'BeneficiaryRegistered',
      'NeedsAssessed',
      'ReferralSent',
      'ReferralDeclined',
      'ReferralSent',
      'ReferralAccepted',
      'ReferralCompleted',
    ]);
    expect(JSON.stringify(journey.body)).not.toMatch(/Amina|Benali|urgent hearing/);

    const between = await query('reporting', `/journeys/${beneficiaryId}/state`).query({ asOf: '2026-12-01T09:30:00Z' }).expect(200);
    expect(between.body.referrals).toEqual([expect.objectContaining({ referralId: first.body.referralId, status: 'declined' })]);
    expect(between.body.needs).toEqual([expect.objectContaining({ code: 'legal_aid', status: 'open' })]);

    const now = await query('reporting', `/journeys/${beneficiaryId}/state`).expect(200);
    expect(now.body.referrals.map((r: { status: string }) => r.status)).toEqual(['declined', 'completed']);
  });

  it('answers the earlier registration as a possible duplicate for a transliterated name', async () => {
    const earlier = await command(
      'intake',
      '/beneficiaries',
      aRegistrationBody({ birthYear: 1980, person: { firstName: 'Mohammed', lastName: 'El Amrani' } }),
    ).expect(201);
    // The index is kept by a follower of the log: the later registration finds the earlier one once it is indexed.
    await eventually(async () => {
      const later = await command('intake', '/beneficiaries', aRegistrationBody({ birthYear: 1981, person: { firstName: 'محمد', lastName: 'العمراني' } })).expect(201);
      expect(later.body.possibleDuplicates).toContainEqual({ beneficiaryId: earlier.body.beneficiaryId, score: expect.any(Number) });
      // What the agent was shown is part of the record: the case and the auditors' journey say so.
      const laterCase = await query('intake', `/beneficiaries/${later.body.beneficiaryId}`, 'oujda').set('X-Purpose', 'duplicate_review').expect(200);
      expect(laterCase.body.possibleDuplicates).toEqual(later.body.possibleDuplicates);
      const journey = await query('reporting', `/journeys/${later.body.beneficiaryId}`).expect(200);
      expect(journey.body.events[0].summary).toMatch(/^Registered at oujda as mre \(\d+ possible duplicates? shown\)$/);
    });
  });

  it('credits a transferred case to the cell that registered it, and counts it in the caseload of the cell that accepted it', async () => {
    const before = (await query('reporting', '/reports/network').expect(200)).body;
    const { beneficiaryId } = (await command('intake', '/beneficiaries', aRegistrationBody({ cellId: 'berkane' }), {}, 'berkane').expect(201)).body;
    const transfer = await command('intake', `/beneficiaries/${beneficiaryId}/transfers`, { toCellId: 'nador', reason: 'moved' }, {}, 'berkane').expect(201);
    await command('intake', `/beneficiaries/${beneficiaryId}/transfers/${transfer.body.transferId}/accept`, {}, {}, 'nador').expect(200);

    await eventually(async () => {
      const report = (await query('reporting', '/reports/network').expect(200)).body;
      expect(report.beneficiaries.byCell.berkane ?? 0).toBe((before.beneficiaries.byCell.berkane ?? 0) + 1);
      expect(report.caseload.byCell.nador ?? 0).toBe((before.caseload.byCell.nador ?? 0) + 1);
      expect(report.caseload.byCell.berkane ?? 0).toBe(before.caseload.byCell.berkane ?? 0);
    });
  });
});
