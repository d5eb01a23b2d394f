import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, loadConfig } from '@oriental/service-kit';
import { ServiceProcess, describeWithInfra, eventually, freePort, startServiceProcess, stopGracefully } from '@oriental/testing';

/**
 * Intake and referral as separate processes, Kafka between them (both directions: intake's
 * facts to referral, referral's own events back to its read models), the SQLite log shared on
 * disk. A beneficiary withdraws consent to sharing through intake's API: referral flags their
 * open referral, and its consent gate closes.
 */
describeWithInfra('kafka', 'intake → Kafka → referral (e2e)', (brokers) => {
  jest.setTimeout(180_000);
  const run = `referral${Date.now()}${randomBytes(3).toString('hex')}`;
  let dataDir: string;
  let logFile: string;
  let intake: ServiceProcess | undefined;
  let referral: ServiceProcess | undefined;
  /** An Oujda agent's token, of the issuer whose key the services find under the same DATA_DIR. */
  let oujdaAgent: string;

  const call = async (service: ServiceProcess, method: string, path: string, body?: object, key?: string) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${oujdaAgent}`, ...(key ? { 'idempotency-key': `${run}-${key}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'referral-e2e-'));
    logFile = join(dataDir, 'services.log');
    oujdaAgent = await issueToken(loadConfig({ DATA_DIR: dataDir }), { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    const env = {
      DATA_DIR: dataDir,
      EVENT_STORE: 'sqlite',
      BUS: 'kafka',
      KAFKA_BROKERS: brokers,
      // A namespace of its own, so earlier runs on the same broker cannot leak in.
      KAFKA_TOPIC_PREFIX: `${run}.`,
      READ_STORE: 'memory',
      PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    };
    [intake, referral] = await Promise.all([
      startServiceProcess('intake', await freePort(), env, logFile),
      startServiceProcess('referral', await freePort(), env, logFile),
    ]);
  });

  afterAll(async () => {
    await Promise.all([intake, referral].filter((p): p is ServiceProcess => !!p && p.child.exitCode === null).map((p) => stopGracefully(p)));
    if (process.env.KEEP_E2E_LOGS) process.stderr.write(readFileSync(logFile, 'utf8'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('flags the open referrals of a beneficiary who withdraws consent to sharing, and refuses new ones', async () => {
    const registered = await call(intake!, 'POST', '/beneficiaries', {
      cellId: 'oujda',
      category: 'rpt',
      sex: 'male',
      birthYear: 1994,
      nationality: 'SN',
      consent: { services: true, sharing: true, statistics: true },
      person: { firstName: 'Moussa', lastName: 'Diallo' },
    }, 'registration');
    expect(registered.status).toBe(201);
    const beneficiaryId = registered.body['beneficiaryId'] as string;

    // Intake's registration reaches referral's case read model; referral's own partner events its directory.
    await eventually(async () => expect((await call(referral!, 'GET', `/beneficiaries/${beneficiaryId}/case`)).body).toMatchObject({ sharing: true, status: 'open' }), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await eventually(async () => expect((await call(referral!, 'GET', '/partners?need=health&province=oujda-angad')).body['partners']).toHaveLength(1), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });

    const sent = await call(referral!, 'POST', '/referrals', { beneficiaryId, need: 'health', partnerId: 'chr-al-farabi' }, 'referral-1');
    expect(sent.status).toBe(201);
    const referralId = sent.body['referralId'] as string;
    await eventually(async () => expect((await call(referral!, 'GET', `/referrals?beneficiaryId=${beneficiaryId}`)).body['referrals']).toEqual([expect.objectContaining({ referralId, flagged: false })]), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });

    const withdrawn = await call(intake!, 'POST', `/beneficiaries/${beneficiaryId}/consents`, { purpose: 'sharing', given: false }, 'withdrawal');
    expect(withdrawn.status).toBeLessThan(300);

    await eventually(
      async () =>
        expect((await call(referral!, 'GET', `/referrals?beneficiaryId=${beneficiaryId}`)).body['referrals']).toEqual([
          expect.objectContaining({ referralId, status: 'sent', flagged: true, flags: ['consent_withdrawn'] }),
        ]),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const refused = await call(referral!, 'POST', '/referrals', { beneficiaryId, need: 'psychosocial_support', partnerId: 'chr-al-farabi' }, 'referral-2');
    expect(refused).toMatchObject({ status: 422, body: expect.objectContaining({ code: 'CONSENT_REQUIRED' }) });

    // The referral's stream says who flagged it and why; the journey (intake's and referral's events) holds it.
    const state = await call(referral!, 'GET', `/referrals/${referralId}`);
    expect(state.body).toMatchObject({ status: 'sent', flags: ['consent_withdrawn'], cellId: 'oujda' });
  });
});
