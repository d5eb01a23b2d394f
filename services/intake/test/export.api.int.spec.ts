import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody } from '../src/testing';

let key = 0;
const newKey = () => `export-${process.pid}-${++key}-${Date.now()}`;

describe('GET /beneficiaries/{id}/export: the right of access', () => {
  let dataDir: string;
  let config: ServiceConfig;
  let service: RunningService;
  const bearer: Record<string, string> = {};
  let id: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'export-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
    service = await startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), port: 0, logger: new JsonLogger('intake', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [who, token] of [
      ['agent', { role: 'cell_agent', cellId: 'oujda' }],
      ['supervisor', { role: 'cell_supervisor', cellId: 'oujda' }],
      ['nadorSupervisor', { role: 'cell_supervisor', cellId: 'nador' }],
    ] as const) {
      bearer[who] = `Bearer ${await issueToken(config, token)}`;
    }
    const person = { firstName: 'Karima', lastName: 'Zerhouni', phone: '+212611223344', notes: 'Arrived by bus' };
    id = (await request(service.url).post('/beneficiaries').set('Authorization', bearer.agent!).set('Idempotency-Key', newKey()).send(aRegistrationBody({ person })).expect(201)).body.beneficiaryId;
    await request(service.url)
      .post(`/beneficiaries/${id}/needs`)
      .set('Authorization', bearer.agent!)
      .set('Idempotency-Key', newKey())
      .send({ needs: [{ code: 'legal_aid', priority: 'high' }] })
      .expect(200);
    await request(service.url).get(`/beneficiaries/${id}`).set('Authorization', bearer.agent!).set('X-Purpose', 'casework').expect(200);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given a case of their cell, when its supervisor exports it, then it holds the case opened, every event and every read, this one included', async () => {
    const response = await request(service.url).get(`/beneficiaries/${id}/export`).set('Authorization', bearer.supervisor!).set('X-Purpose', 'data_subject_request').expect(200);
    expect(response).toSatisfyApiSpec();
    const exported = response.body;
    expect(exported.case).toMatchObject({ beneficiaryId: id, person: { firstName: 'Karima', lastName: 'Zerhouni', phone: '+212611223344' }, personalData: 'present' });
    expect(exported.history.map((event: { type: string }) => event.type)).toEqual(['BeneficiaryRegistered', 'NeedsAssessed']);
    // Intake's own events with the personal data opened: the person gets what is held, not ciphertext.
    expect(JSON.stringify(exported.history[0].data)).toMatch(/Zerhouni/);
    expect(exported.accessLog).toEqual([
      expect.objectContaining({ reader: 'cell_agent.oujda', purpose: 'casework', record: 'case' }),
      expect.objectContaining({ reader: 'cell_supervisor.oujda', purpose: 'data_subject_request', record: 'export' }),
    ]);
  });

  it('refuses an agent (403), another cell (404), and an export without a purpose (400)', async () => {
    const agent = await request(service.url).get(`/beneficiaries/${id}/export`).set('Authorization', bearer.agent!).set('X-Purpose', 'data_subject_request').expect(403);
    expect(agent.body.code).toBe('ROLE_NOT_ALLOWED');
    const other = await request(service.url).get(`/beneficiaries/${id}/export`).set('Authorization', bearer.nadorSupervisor!).set('X-Purpose', 'data_subject_request').expect(404);
    expect(other.body.code).toBe('BENEFICIARY_NOT_FOUND');
    const noPurpose = await request(service.url).get(`/beneficiaries/${id}/export`).set('Authorization', bearer.supervisor!).expect(400);
    expect(noPurpose.body.code).toBe('PURPOSE_REQUIRED');
    for (const response of [agent, other, noPurpose]) expect(response).toSatisfyApiSpec();
  });
});
