import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, JsonLogger, loadConfig, openInfrastructure, Role, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { capacityBuildingService } from '../src/capacity-building.service';

/** One caller per role, with the scope the role needs. */
const CALLERS: Record<Role, TokenRequest> = {
  trainer: { role: 'trainer', subject: 'trainer:1' },
  regional_coordinator: { role: 'regional_coordinator', subject: 'coordinator:region' },
  provincial_coordinator: { role: 'provincial_coordinator', province: 'berkane', subject: 'coordinator:berkane' },
  auditor: { role: 'auditor', subject: 'auditor:1' },
  cell_supervisor: { role: 'cell_supervisor', cellId: 'berkane', subject: 'supervisor:berkane' },
  cell_agent: { role: 'cell_agent', cellId: 'berkane', subject: 'agent:berkane-1' },
  partner: { role: 'partner', partnerId: 'anapec-oriental', subject: 'partner:anapec-oriental' },
};

describe('capacity-building API', () => {
  let dataDir: string;
  let service: RunningService;
  const tokens = {} as Record<Role, string>;
  const activity = (as: Role = 'trainer') => request(service.url).get('/cells/activity').set('Authorization', `Bearer ${tokens[as]}`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'capacity-building-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    service = await startService(capacityBuildingService, {
      config,
      infrastructure: await openInfrastructure(config, 'capacity-building'),
      port: 0,
      logger: new JsonLogger('capacity-building', 'error'),
    });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [role, caller] of Object.entries(CALLERS)) tokens[role as Role] = await issueToken(config, caller);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers registrations per cell, as its OpenAPI document says', async () => {
    const response = await activity().expect(200);
    expect(response.body).toEqual({ registrationsByCell: {} });
    expect(response).toSatisfyApiSpec();
  });

  it.each<Role>(['regional_coordinator', 'provincial_coordinator', 'auditor'])('answers the %s too', async (role) => {
    const response = await activity(role).expect(200);
    expect(response).toSatisfyApiSpec();
  });

  it.each<Role>(['cell_agent', 'cell_supervisor', 'partner'])('refuses the %s: 403 ROLE_NOT_ALLOWED', async (role) => {
    const response = await activity(role).expect(403);
    expect(response).toSatisfyApiSpec();
    expect(response.body.code).toBe('ROLE_NOT_ALLOWED');
  });

  it('refuses a call without a token, or with a token of another issuer: 401, as documented', async () => {
    const anonymous = await request(service.url).get('/cells/activity').expect(401);
    expect(anonymous).toSatisfyApiSpec();
    expect(anonymous.body.code).toBe('AUTHENTICATION_REQUIRED');
    const elsewhere = mkdtempSync(join(tmpdir(), 'capacity-building-other-issuer-'));
    try {
      const foreign = await issueToken(loadConfig({ DATA_DIR: elsewhere }), CALLERS.trainer);
      const refused = await request(service.url).get('/cells/activity').set('Authorization', `Bearer ${foreign}`).expect(401);
      expect(refused).toSatisfyApiSpec();
      expect(refused.body.code).toBe('TOKEN_INVALID');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('answers health as its OpenAPI document says', async () => {
    const response = await request(service.url).get('/health').expect(200);
    expect(response).toSatisfyApiSpec();
  });

  it('fails the check for a status its document does not list', async () => {
    const response = await activity().set('Accept', 'application/json');
    const undocumented = { ...response, status: 418, statusCode: 418 };
    expect(() => expect(undocumented).toSatisfyApiSpec()).toThrow(/418/);
  });
});
