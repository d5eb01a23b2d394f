import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
import request from 'supertest';
import { capacityBuildingService } from '../src/capacity-building.service';

describe('the rate limit counts per token subject', () => {
  let dataDir: string;
  let service: RunningService;
  let first: string;
  let second: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rate-limit-per-token-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '3' });
    service = await startService(capacityBuildingService, { config, infrastructure: await openInfrastructure(config, 'capacity-building'), port: 0, logger: new JsonLogger('capacity-building', 'error') });
    first = `Bearer ${await issueToken(config, { role: 'trainer', subject: 'trainer-one' })}`;
    second = `Bearer ${await issueToken(config, { role: 'trainer', subject: 'trainer-two' })}`;
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("given one subject has spent its share, when another calls from the same address, then only the first is limited", async () => {
    for (let call = 0; call < 3; call++) await request(service.url).get('/cells/activity').set('Authorization', first).expect(200);
    const limited = await request(service.url).get('/cells/activity').set('Authorization', first).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await request(service.url).get('/cells/activity').set('Authorization', second).expect(200);
  });

  it('answers a call without a valid token 401 before counting it', async () => {
    for (let call = 0; call < 5; call++) expect((await request(service.url).get('/cells/activity').expect(401)).body.code).toBe('AUTHENTICATION_REQUIRED');
    await request(service.url).get('/health').expect(200);
  });
});
