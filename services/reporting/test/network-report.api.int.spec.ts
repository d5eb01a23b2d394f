import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrationEvent } from '@oriental/contracts';
import { Infrastructure, JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
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

describe('GET /reports/network', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'network-report-api-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'reporting');
    service = await startService(reportingService, { config, infrastructure, port: 0, logger: new JsonLogger('reporting', 'error') });
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers an empty network as its OpenAPI document says', async () => {
    const response = await request(service.url).get('/reports/network').expect(200);
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
    const response = await request(service.url).get('/reports/network').expect(200);
    expect(response).toSatisfyApiSpec();
    expect(response.body).toEqual({ beneficiaries: { total: 1, byCell: { oujda: 1 }, byCategory: { rpt: 1 } }, caseload: { open: 1, byCell: { nador: 1 } } });
  });
});
