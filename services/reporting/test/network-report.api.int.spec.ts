import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrationEvent } from '@oriental/contracts';
import { Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, Role, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf } from '@oriental/testing';
import request from 'supertest';
import { NetworkReportProjection } from '../src/network-report/network-report.projection';
import { reportingService } from '../src/reporting.service';

/** An intake integration event of one beneficiary's stream, as the consumer hands it to the projection. */
const fact = (beneficiaryId: string, revision: number, type: string, data: object): IntegrationEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: 1,
  source: { stream: `beneficiary-${beneficiaryId}`, revision, position: String(1000 + revision) },
  beneficiaryId,
  occurredAt: '2026-07-15T09:30:00.000Z',
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor: 'agent:test',
  data: { beneficiaryId, ...data },
});

/** One caller per role, with the scope the role needs. */
const CALLERS: Record<Role, TokenRequest> = {
  auditor: { role: 'auditor', subject: 'auditor:1' },
  regional_coordinator: { role: 'regional_coordinator', subject: 'coordinator:region' },
  provincial_coordinator: { role: 'provincial_coordinator', province: 'nador', subject: 'coordinator:nador' },
  cell_supervisor: { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda' },
  cell_agent: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  partner: { role: 'partner', partnerId: 'chr-al-farabi', subject: 'partner:chr-al-farabi' },
  trainer: { role: 'trainer', subject: 'trainer:1' },
};

describe('GET /reports/network', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  const tokens = {} as Record<Role, string>;
  const report = (as: Role = 'auditor') => request(service.url).get('/reports/network').set('Authorization', `Bearer ${tokens[as]}`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'network-report-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'reporting');
    service = await startService(reportingService, { config, infrastructure, port: 0, logger: new JsonLogger('reporting', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
    for (const [role, caller] of Object.entries(CALLERS)) tokens[role as Role] = await issueToken(config, caller);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers an empty network as its OpenAPI document says', async () => {
    const response = await report().expect(200);
    expect(response).toSatisfyApiSpec();
    expect(response.body).toEqual({ beneficiaries: { total: 0, byCell: {}, byCategory: {} }, caseload: { open: 0, byCell: {} } });
  });

  it('credits the registration to the registering cell and the open case to the cell that accepted its transfer', async () => {
    const beneficiaryId = randomUUID();
    const transfer = { transferId: randomUUID(), fromCellId: 'oujda', toCellId: 'nador' };
    await new NetworkReportProjection(infrastructure.readStore).applyBatch('spec', [
      fact(beneficiaryId, 0, 'BeneficiaryRegistered', {
        cellId: 'oujda',
        category: 'rpt',
        sex: 'male',
        ageBand: '25-34',
        nationality: 'SN',
        consent: { services: true, sharing: true, statistics: true },
        registeredAt: '2026-07-15T09:30:00.000Z',
        profile: {},
      }),
      fact(beneficiaryId, 1, 'TransferAccepted', { ...transfer, acceptedAt: '2026-07-16T09:30:00.000Z' }),
    ]);
    const response = await report().expect(200);
    expect(response).toSatisfyApiSpec();
    expect(response.body).toEqual({ beneficiaries: { total: 1, byCell: { oujda: 1 }, byCategory: { rpt: 1 } }, caseload: { open: 1, byCell: { nador: 1 } } });
  });

  it.each<Role>(['regional_coordinator', 'provincial_coordinator'])('answers the %s too', async (role) => {
    const response = await report(role).expect(200);
    expect(response).toSatisfyApiSpec();
    expect(response.body.beneficiaries.total).toBe(1);
  });

  it.each<Role>(['cell_supervisor', 'cell_agent', 'partner', 'trainer'])('refuses the %s: 403 ROLE_NOT_ALLOWED', async (role) => {
    const response = await report(role).expect(403);
    expect(response).toSatisfyApiSpec();
    expect(response.body.code).toBe('ROLE_NOT_ALLOWED');
  });
});
