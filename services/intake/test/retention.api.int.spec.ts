import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody } from '../src/testing';

const CLOSED_ON = '2026-01-10T10:00:00.000Z';
let key = 0;
const newKey = () => `retention-${process.pid}-${++key}-${Date.now()}`;

describe('GET /retention/due: closed cases past a retention period, listed for review', () => {
  let dataDir: string;
  let config: ServiceConfig;
  let service: RunningService;
  const clock = fixedClock(CLOSED_ON);
  const bearer: Record<string, string> = {};

  const as = (who: string) => ({
    post: (path: string, body: object) => request(service.url).post(path).set('Authorization', bearer[who]!).set('Idempotency-Key', newKey()).send(body),
    get: (path: string) => request(service.url).get(path).set('Authorization', bearer[who]!),
  });
  const closedCase = async (cellId: string, agent: string) => {
    const { beneficiaryId } = (await as(agent).post('/beneficiaries', aRegistrationBody({ cellId })).expect(201)).body;
    await as(agent).post(`/beneficiaries/${beneficiaryId}/close`, { reason: 'resolved' }).expect(200);
    return beneficiaryId as string;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'retention-'));
    // Short periods, so that the clock need not travel years.
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', RETENTION_DAYS_SHARING: '30', RETENTION_DAYS_SERVICES: '90', RETENTION_DAYS_STATISTICS: '365' });
    service = await startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), clock, port: 0, logger: new JsonLogger('intake', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [who, token] of [
      ['oujda', { role: 'cell_agent', cellId: 'oujda' }],
      ['nador', { role: 'cell_agent', cellId: 'nador' }],
      ['oujdaSupervisor', { role: 'cell_supervisor', cellId: 'oujda' }],
      ['region', { role: 'regional_coordinator' }],
      ['trainer', { role: 'trainer' }],
    ] as const) {
      bearer[who] = `Bearer ${await issueToken(config, token)}`;
    }
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('given closed cases, when their shortest period has not ended, then none is due; when periods end, the purposes due are listed', async () => {
    const oujdaCase = await closedCase('oujda', 'oujda');
    const nadorCase = await closedCase('nador', 'nador');

    clock.set('2026-02-01T00:00:00.000Z'); // 22 days after closure
    const early = await as('region').get('/retention/due').expect(200);
    expect(early).toSatisfyApiSpec();
    expect(early.body.cases).toEqual([]);

    clock.set('2026-04-15T00:00:00.000Z'); // 95 days: sharing (30) and services (90) ended, statistics (365) not
    const due = await eventually(async () => {
      const response = await as('region').get('/retention/due').expect(200);
      expect(response.body.cases).toHaveLength(2);
      return response;
    });
    expect(due).toSatisfyApiSpec();
    expect(due.body.periods).toEqual({ services: 90, sharing: 30, statistics: 365 });
    expect(due.body.cases).toEqual(
      expect.arrayContaining([
        { beneficiaryId: oujdaCase, cellId: 'oujda', closedAt: CLOSED_ON, duePurposes: ['services', 'sharing'], dueSince: '2026-02-09T10:00:00.000Z' },
        expect.objectContaining({ beneficiaryId: nadorCase, cellId: 'nador' }),
      ]),
    );

    // A supervisor sees their own cell's cases only; another cell by name is refused.
    const own = await as('oujdaSupervisor').get('/retention/due').expect(200);
    expect(own.body.cases.map((c: { beneficiaryId: string }) => c.beneficiaryId)).toEqual([oujdaCase]);
    const other = await as('oujdaSupervisor').get('/retention/due?cellId=nador').expect(403);
    expect(other.body.code).toBe('CELL_NOT_YOURS');
    expect(other).toSatisfyApiSpec();
  });

  it('takes a reopened case off the list', async () => {
    clock.set(CLOSED_ON);
    const id = await closedCase('oujda', 'oujda');
    clock.set('2026-04-15T00:00:00.000Z');
    await eventually(async () => expect((await as('region').get('/retention/due').expect(200)).body.cases.map((c: { beneficiaryId: string }) => c.beneficiaryId)).toContain(id));
    await as('oujda').post(`/beneficiaries/${id}/reopen`, {}).expect((response) => expect(response.status).toBeLessThan(300));
    await eventually(async () => expect((await as('region').get('/retention/due').expect(200)).body.cases.map((c: { beneficiaryId: string }) => c.beneficiaryId)).not.toContain(id));
  });

  it('takes a case off the list once its personal data is erased', async () => {
    clock.set(CLOSED_ON);
    const id = await closedCase('oujda', 'oujda');
    clock.set('2026-04-15T00:00:00.000Z');
    await eventually(async () => expect((await as('region').get('/retention/due').expect(200)).body.cases.map((c: { beneficiaryId: string }) => c.beneficiaryId)).toContain(id));
    await as('oujdaSupervisor').post(`/beneficiaries/${id}/erasure`, { reason: 'retention_expired' }).expect(200);
    await eventually(async () => expect((await as('region').get('/retention/due').expect(200)).body.cases.map((c: { beneficiaryId: string }) => c.beneficiaryId)).not.toContain(id));
  });

  it('refuses unknown parameters and cells (400), and roles without a say on retention (403)', async () => {
    expect((await as('region').get('/retention/due?cell=oujda').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await as('region').get('/retention/due?cellId=atlantis').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await as('oujda').get('/retention/due').expect(403)).body.code).toBe('ROLE_NOT_ALLOWED');
    expect((await as('trainer').get('/retention/due').expect(403)).body.code).toBe('ROLE_NOT_ALLOWED');
  });
});
