import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { capacityBuildingService } from '../src/capacity-building.service';

describe('capacity-building API', () => {
  let dataDir: string;
  let service: RunningService;

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
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers registrations per cell, as its OpenAPI document says', async () => {
    const response = await request(service.url).get('/cells/activity').expect(200);
    expect(response.body).toEqual({ registrationsByCell: {} });
    expect(response).toSatisfyApiSpec();
  });

  it('answers health as its OpenAPI document says', async () => {
    const response = await request(service.url).get('/health').expect(200);
    expect(response).toSatisfyApiSpec();
  });

  it('fails the check for a status its document does not list', async () => {
    const response = await request(service.url).get('/cells/activity').set('Accept', 'application/json');
    const undocumented = { ...response, status: 418, statusCode: 418 };
    expect(() => expect(undocumented).toSatisfyApiSpec()).toThrow(/418/);
  });
});
