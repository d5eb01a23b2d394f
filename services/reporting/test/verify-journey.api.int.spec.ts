import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dataFile, fixedClock, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { reportingService } from '../src/reporting.service';
import { theScenario } from './journey-events';

describe('GET /journeys/{beneficiaryId}/verify (tamper evidence)', () => {
  let dataDir: string;
  let config: ServiceConfig;
  let service: RunningService;
  let auditor: string;
  const scenario = theScenario();
  const { beneficiaryId } = scenario;

  const verify = (id: string, token = auditor) => request(service.url).get(`/journeys/${id}/verify`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'verify-journey-api-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    const infrastructure = await openInfrastructure(config, 'reporting');
    await scenario.appendTo(infrastructure.eventStore);
    service = await startService(reportingService, { config, infrastructure, clock: fixedClock('2026-09-01T00:00:00.000Z'), port: 0, logger: new JsonLogger('reporting', 'error') });
    auditor = await issueToken(config, { role: 'auditor' });
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("given the journey as appended, then every one of its streams verifies intact, in the journey's order", async () => {
    const response = await verify(beneficiaryId).expect(200);

    expect(response).toSatisfyApiSpec();
    expect(response.body).toEqual({
      beneficiaryId,
      intact: true,
      streams: [
        { stream: `beneficiary-${beneficiaryId}`, events: expect.any(Number), intact: true },
        { stream: expect.stringMatching(/^referral-/), events: 2, intact: true },
        { stream: expect.stringMatching(/^referral-/), events: 3, intact: true },
      ],
    });
  });

  it('given one byte of a referral event changed in the SQLite file, then it names that stream and revision', async () => {
    const { body: before } = await verify(beneficiaryId).expect(200);
    const declined = before.streams[1].stream as string;
    const raw = new Database(dataFile(config, 'events.sqlite'));
    try {
      expect(raw.prepare(`UPDATE events SET data = replace(data, 'no_capacity', 'no_capacitY') WHERE stream = ? AND revision = 1`).run(declined).changes).toBe(1);
    } finally {
      raw.close();
    }

    const response = await verify(beneficiaryId).expect(200);

    expect(response).toSatisfyApiSpec();
    expect(response.body).toMatchObject({
      intact: false,
      streams: [{ intact: true }, { stream: declined, intact: false }, { intact: true }],
      firstBrokenLink: { stream: declined, revision: 1, reason: 'hash-mismatch' },
    });
  });

  it('answers 404 JOURNEY_NOT_FOUND for a beneficiary no event names, and 400 for an id that is not a UUID', async () => {
    const missing = await verify(randomUUID()).expect(404);
    expect(missing).toSatisfyApiSpec();
    expect(missing.body.code).toBe('JOURNEY_NOT_FOUND');

    const invalid = await verify('not-a-uuid').expect(400);
    expect(invalid).toSatisfyApiSpec();
  });

  it('is for auditors and the regional coordinator only', async () => {
    await verify(beneficiaryId, await issueToken(config, { role: 'regional_coordinator' })).expect(200);
    const agent = await verify(beneficiaryId, await issueToken(config, { role: 'cell_agent', cellId: 'oujda' })).expect(403);
    expect(agent.body.code).toBe('ROLE_NOT_ALLOWED');
    await request(service.url).get(`/journeys/${beneficiaryId}/verify`).expect(401);
  });
});
