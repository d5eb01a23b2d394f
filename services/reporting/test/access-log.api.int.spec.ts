import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, loadConfig, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, freePort, ServiceProcess, startServiceProcess, stopGracefully } from '@oriental/testing';
import request from 'supertest';

const CALLERS = {
  oujdaAgent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  nadorAgent: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  oujdaSupervisor: { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda' },
  oujdaCoordinator: { role: 'provincial_coordinator', province: 'oujda-angad', subject: 'coordinator:oujda-angad' },
  region: { role: 'regional_coordinator', subject: 'coordinator:region' },
  auditor: { role: 'auditor', subject: 'auditor:1' },
} satisfies Record<string, TokenRequest>;
type Caller = keyof typeof CALLERS;

/** The reads, in the order the agent makes them. */
const PURPOSES = ['casework', 'follow_up', 'referral'] as const;

/** A person registered at Oujda (as intake's POST /beneficiaries takes them). */
const REGISTRATION = {
  cellId: 'oujda',
  category: 'mre',
  sex: 'female',
  birthYear: 1988,
  nationality: 'MA',
  consent: { services: true, sharing: false, statistics: true },
  person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' },
};

/**
 * The access log (law 09-08), end to end on the embedded network: intake appends a
 * PersonalDataRead to `access-<id>` on every read of a person's case, and reporting lists
 * them to auditors; the reads are no part of the journey.
 *
 * The network runs as `npm start` runs it (services/network/src/main.ts: startNetwork, the four
 * services in one process, one SQLite log under a temporary DATA_DIR), in a process of its own:
 * a reporting spec may not import the applications (lint's module boundaries), only call them.
 */
describe('the access log of a person’s personal data', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let network: ServiceProcess | undefined;
  const urls = { intake: '', reporting: '' };
  const tokens = {} as Record<Caller, string>;
  let beneficiaryId: string;

  const intake = () => urls.intake;
  const reporting = () => urls.reporting;
  const call = (url: string, path: string, as: Caller) => request(url).get(path).set('Authorization', `Bearer ${tokens[as]}`);
  /** `GET /journeys/{id}/access` as `as`, its answer checked against reporting's OpenAPI document. */
  const accessLog = (as: Caller, query = '') =>
    call(reporting(), `/journeys/${beneficiaryId}/access${query}`, as).expect((response) => expect(response).toSatisfyApiSpec());

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'access-log-'));
    const ports = { INTAKE_PORT: await freePort(), REFERRAL_PORT: await freePort(), CAPACITY_BUILDING_PORT: await freePort(), REPORTING_PORT: await freePort() };
    urls.intake = `http://127.0.0.1:${ports.INTAKE_PORT}`;
    // startServiceProcess waits for /health on the port it is given: reporting's, the last service the network starts.
    network = await startServiceProcess(
      'network',
      ports.REPORTING_PORT,
      {
        DATA_DIR: dataDir,
        EVENT_STORE: 'sqlite',
        BUS: 'memory',
        READ_STORE: 'memory',
        LOG_LEVEL: 'error',
        // The master key from the environment: nothing written beside the temporary directory.
        PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      },
      join(dataDir, 'network.log'),
    );
    urls.reporting = network.url;
    // Tokens of the issuer whose key the network keeps under the same DATA_DIR.
    const config = loadConfig({ DATA_DIR: dataDir });
    for (const [name, caller] of Object.entries(CALLERS)) tokens[name as Caller] = await issueToken(config, caller);

    // Given an Oujda agent who registered a person and read their case three times, each for another purpose,
    // and reads refused (another cell's agent, no purpose) that must not count as reads.
    await checkResponsesAgainstOpenApiOf(intake());
    const registered = await request(intake())
      .post('/beneficiaries')
      .set('Authorization', `Bearer ${tokens.oujdaAgent}`)
      .set('Idempotency-Key', `access-log-${Date.now()}`)
      .send(REGISTRATION)
      .expect(201);
    expect(registered).toSatisfyApiSpec();
    beneficiaryId = registered.body.beneficiaryId;
    for (const purpose of PURPOSES) {
      const read = await call(intake(), `/beneficiaries/${beneficiaryId}`, 'oujdaAgent').set('X-Purpose', purpose).expect(200);
      expect(read).toSatisfyApiSpec();
    }
    const elsewhere = await call(intake(), `/beneficiaries/${beneficiaryId}`, 'nadorAgent').set('X-Purpose', 'casework').expect(404);
    expect(elsewhere).toSatisfyApiSpec();
    const purposeless = await call(intake(), `/beneficiaries/${beneficiaryId}`, 'oujdaAgent').expect(400);
    expect(purposeless).toSatisfyApiSpec();
    expect(purposeless.body.code).toBe('PURPOSE_REQUIRED');

    await checkResponsesAgainstOpenApiOf(reporting());
  });

  afterAll(async () => {
    if (network && network.child.exitCode === null) await stopGracefully(network);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when an auditor asks for it, then it lists the three reads oldest first: the agent’s subject, role and cell, the case, each purpose', async () => {
    const { body } = await accessLog('auditor').expect(200);
    expect(body).toEqual({
      beneficiaryId,
      reads: PURPOSES.map((purpose, revision) => ({ revision, at: expect.any(String), reader: 'agent:oujda-1', role: 'cell_agent', readerCellId: 'oujda', record: 'case', purpose })),
    });
    const at = body.reads.map((read: { at: string }) => read.at);
    expect(at.every((instant: string) => !Number.isNaN(Date.parse(instant)))).toBe(true);
    expect(at).toEqual([...at].sort());
  });

  it('when the auditor pages with from and limit, then each page holds its reads and next says where the following one starts', async () => {
    const first = (await accessLog('auditor', '?limit=2').expect(200)).body;
    expect(first.reads.map((read: { purpose: string }) => read.purpose)).toEqual(['casework', 'follow_up']);
    expect(first.next).toBe(2);
    const second = (await accessLog('auditor', `?from=${first.next}&limit=2`).expect(200)).body;
    expect(second.reads.map((read: { revision: number; purpose: string }) => [read.revision, read.purpose])).toEqual([[2, 'referral']]);
    expect(second).not.toHaveProperty('next');
    const middle = (await accessLog('auditor', '?from=1&limit=1').expect(200)).body;
    expect(middle.reads.map((read: { purpose: string }) => read.purpose)).toEqual(['follow_up']);
    expect(middle.next).toBe(2);
    const exact = (await accessLog('auditor', '?limit=3').expect(200)).body;
    expect(exact.reads).toHaveLength(3);
    expect(exact).not.toHaveProperty('next');
    expect((await accessLog('auditor', '?from=3').expect(200)).body).toEqual({ beneficiaryId, reads: [] });
  });

  it.each(['?limit=0', '?limit=1001', '?from=-1', '?from=one'])('when the auditor asks %s, then 400 VALIDATION_FAILED', async (query) => {
    expect((await accessLog('auditor', query).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });

  it('when the regional coordinator asks for it, then it lists the same reads', async () => {
    const { body } = await accessLog('region').expect(200);
    expect(body.reads.map((read: { purpose: string }) => read.purpose)).toEqual([...PURPOSES]);
  });

  it.each<Caller>(['oujdaAgent', 'oujdaSupervisor', 'oujdaCoordinator'])('when %s, of the case’s own cell or province, asks for it, then 403 ROLE_NOT_ALLOWED', async (as) => {
    const response = await accessLog(as).expect(403);
    expect(response.body.code).toBe('ROLE_NOT_ALLOWED');
  });

  it('when the auditor reads the journey, then it holds the registration and none of the reads', async () => {
    const journey = await call(reporting(), `/journeys/${beneficiaryId}`, 'auditor').expect(200);
    expect(journey).toSatisfyApiSpec();
    expect(journey.body.events.map((event: { type: string }) => event.type)).toEqual(['BeneficiaryRegistered']);
    expect(JSON.stringify(journey.body)).not.toMatch(/PersonalDataRead|access-/);
    const state = await call(reporting(), `/journeys/${beneficiaryId}/state`, 'auditor').expect(200);
    expect(state.body.eventsApplied).toBe(1);
  });

  it('when nobody read a person, then their access log is empty', async () => {
    const nobody = '5b0f7a0e-3c1d-4e2f-8a9b-0c1d2e3f4a5b';
    const response = await call(reporting(), `/journeys/${nobody}/access`, 'auditor').expect(200);
    expect(response).toSatisfyApiSpec();
    expect(response.body).toEqual({ beneficiaryId: nobody, reads: [] });
  });
});
