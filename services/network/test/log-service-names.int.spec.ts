import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, JsonLogger, loadConfig, ServiceConfig, TokenRequest } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { RunningNetwork, startNetwork } from '../src/network';

type LogLine = Record<string, unknown> & { level: string; service: string; msg?: string };

const AGENT: TokenRequest = { role: 'cell_agent', cellId: 'oujda' };
const AUDITOR: TokenRequest = { role: 'auditor' };

/**
 * Issue 9: on the embedded default the four services share one process and Nest's one static
 * logger, the last service's: intake's HTTP errors were logged as "service":"reporting". Each
 * line must name the service whose code wrote it, for a request and for a consumer alike.
 */
describe('log lines of the embedded network', () => {
  const lines: LogLine[] = [];
  let dataDir: string;
  let config: ServiceConfig;
  let network: RunningNetwork;
  let store: EventStore;
  const tokens = new Map<TokenRequest, string>();
  let keys = 0;
  let restore = () => undefined as void;
  const call = (service: string, caller: TokenRequest) => ({
    get: (path: string) => request(network.urls[service]!).get(path).set({ Authorization: `Bearer ${tokens.get(caller)}`, 'X-Purpose': 'casework' }),
    post: (path: string, body: object) =>
      request(network.urls[service]!).post(path).set({ Authorization: `Bearer ${tokens.get(caller)}`, 'Idempotency-Key': `log-names-${process.pid}-${++keys}` }).send(body),
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'log-service-names-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' });
    network = await startNetwork(config, {
      logger: (service) => new JsonLogger(service, 'info', (line) => lines.push(JSON.parse(line) as LogLine)),
      ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 },
    });
    store = network.services[0]!.app.get<EventStore>(EVENT_STORE);
    for (const caller of [AGENT, AUDITOR]) tokens.set(caller, await issueToken(config, caller));
  }, 60_000);

  afterAll(async () => {
    restore();
    await network?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names intake on intake's HTTP error and reporting on reporting's, whichever service started last", async () => {
    const { beneficiaryId } = (await call('intake', AGENT).post('/beneficiaries', aRegistrationBody()).expect(201)).body as { beneficiaryId: string };
    // The event store is shared: it fails the reads of this one person's stream and journey (it
    // is a proxy, which jest.spyOn cannot replace a method of: its methods are set and deleted).
    const failing = store as unknown as Record<'readStream' | 'readJourney', unknown>;
    const readStream = store.readStream.bind(store);
    const readJourney = store.readJourney.bind(store);
    failing.readStream = (stream: string, options?: Parameters<EventStore['readStream']>[1]) =>
      stream === `beneficiary-${beneficiaryId}` ? Promise.reject(new Error('the spec fails this read')) : readStream(stream, options);
    failing.readJourney = (id: string) => (id === beneficiaryId ? Promise.reject(new Error('the spec fails this read')) : readJourney(id));
    restore = () => {
      delete failing.readStream;
      delete failing.readJourney;
    };

    await call('intake', AGENT).get(`/beneficiaries/${beneficiaryId}`).expect(500);
    await call('reporting', AUDITOR).get(`/journeys/${beneficiaryId}`).expect(500);

    const errorOf = (path: string) => lines.filter((line) => line.level === 'error' && line.path === path);
    expect(errorOf(`/beneficiaries/${beneficiaryId}`)).toEqual([expect.objectContaining({ service: 'intake', context: 'http', msg: 'the spec fails this read' })]);
    expect(errorOf(`/journeys/${beneficiaryId}`)).toEqual([expect.objectContaining({ service: 'reporting', context: 'http', msg: 'the spec fails this read' })]);
    restore();
  });

  it("names referral on what referral's consumer logs about intake's events (delivered by intake's forwarder)", async () => {
    const registration = aRegistrationBody({ consent: { services: true, sharing: true, statistics: true } });
    const { beneficiaryId } = (await call('intake', AGENT).post('/beneficiaries', registration).expect(201)).body as { beneficiaryId: string };
    await eventually(async () => {
      expect((await call('referral', AGENT).get(`/beneficiaries/${beneficiaryId}/sharing-consent`)).body).toMatchObject({ sharing: true });
    });
    await call('referral', AGENT).post('/referrals', { beneficiaryId, need: 'health', partnerId: 'chr-al-farabi' }).expect(201);
    await call('intake', AGENT).post(`/beneficiaries/${beneficiaryId}/close`, { reason: 'resolved' }).expect(200);

    const reaction = await eventually(async () => {
      const found = lines.find((line) => line.beneficiaryId === beneficiaryId && line.msg === 'CaseClosed: 1 referral(s) changed');
      expect(found).toBeDefined();
      return found!;
    });
    expect(reaction).toMatchObject({ service: 'referral', context: 'intake-reactions' });
  });

  it('names each service on its own start-up lines', () => {
    const mapped = (route: string) => lines.filter((line) => line.context === 'RouterExplorer' && line.msg === `Mapped {${route}} route`).map((line) => line.service);
    expect(mapped('/beneficiaries, POST')).toEqual(['intake']);
    expect(mapped('/referrals, POST')).toEqual(['referral']);
    expect(mapped('/programmes, POST')).toEqual(['capacity-building']);
    expect(mapped('/reports/network, GET')).toEqual(['reporting']);
    expect(new Set(mapped('/health, GET'))).toEqual(new Set(['intake', 'referral', 'capacity-building', 'reporting']));
  });
});
