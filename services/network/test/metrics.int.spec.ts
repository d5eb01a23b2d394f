import { randomUUID } from 'node:crypto';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken } from '@oriental/service-kit';
import { eventually, parsePrometheusText, samplesOf, Scrape, sumOf } from '@oriental/testing';
import request from 'supertest';
import { CALLERS, NOWHERE, SERVICES, startTestNetwork, TestNetwork } from './network-routes';

const REGISTRATIONS = 50;
const CONCURRENCY = 10;

/**
 * `/metrics` on the embedded network (four services in one process): a scrape, a load of
 * registrations and refused requests, another scrape; the series must move as the load did, and
 * the lags come back to 0 once it is over.
 */
describe('every service serves its own metrics, and they move under load', () => {
  let test: TestNetwork;
  let agent: string;
  const url = (service: string) => test.network.urls[service]!;

  const scrape = async (service: string): Promise<Scrape> => {
    const response = await request(url(service)).get('/metrics').expect(200);
    const [type, ...parameters] = String(response.headers['content-type']).split(/;\s*/);
    expect({ type, parameters: parameters.sort() }).toEqual({ type: 'text/plain', parameters: ['charset=utf-8', 'version=0.0.4'] });
    return parsePrometheusText(response.text);
  };
  const scrapeAll = async (): Promise<Record<string, Scrape>> => Object.fromEntries(await Promise.all(SERVICES.map(async (service) => [service, await scrape(service)] as const)));

  const register = () =>
    request(url('intake'))
      .post('/beneficiaries')
      .set({ Authorization: `Bearer ${agent}`, 'Idempotency-Key': randomUUID() })
      .send(aRegistrationBody({ person: { firstName: 'Amina', lastName: `Load ${randomUUID().slice(0, 8)}` } }));

  beforeAll(async () => {
    test = await startTestNetwork('metrics');
    agent = await issueToken(test.config, CALLERS.cell_agent);
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('labels every series with the service that serves it, and shows no other service’s', async () => {
    // One request each, so every service has series of its own.
    for (const service of SERVICES) await request(url(service)).get('/health/live').expect(200);
    const scrapes = await scrapeAll();
    for (const service of SERVICES) {
      const labelled = scrapes[service]!.samples.map((sample) => sample.labels['service']);
      expect(labelled.length).toBeGreaterThan(0);
      expect(new Set(labelled)).toEqual(new Set([service]));
    }
  });

  it('counts requests, refusals and appends, and the lags come back to 0 after the load', async () => {
    const before = await scrapeAll();

    const statuses: number[] = [];
    for (let sent = 0; sent < REGISTRATIONS; sent += CONCURRENCY) {
      const batch = await Promise.all(Array.from({ length: Math.min(CONCURRENCY, REGISTRATIONS - sent) }, register));
      statuses.push(...batch.map((response) => response.status));
    }
    expect(statuses).toEqual(Array(REGISTRATIONS).fill(201));
    // Refusals: no token (401), an invalid body (400), a case that does not exist (404).
    await request(url('intake')).post('/beneficiaries').set('Idempotency-Key', randomUUID()).send(aRegistrationBody()).expect(401);
    await request(url('intake')).post('/beneficiaries').set({ Authorization: `Bearer ${agent}`, 'Idempotency-Key': randomUUID() }).send({ cellId: 'oujda' }).expect(400);
    await request(url('intake')).get(`/beneficiaries/${NOWHERE}`).set({ Authorization: `Bearer ${agent}`, 'X-Purpose': 'casework' }).expect(404);

    const after = await scrape('intake');
    const duration = 'oriental_http_server_request_duration_seconds';
    const registered = { service: 'intake', method: 'POST', route: '/beneficiaries', status_code: '201', status_class: '2xx' };
    expect(sumOf(after, `${duration}_count`, registered) - sumOf(before.intake!, `${duration}_count`, registered)).toBe(REGISTRATIONS);
    expect(sumOf(after, `${duration}_sum`, registered)).toBeGreaterThan(sumOf(before.intake!, `${duration}_sum`, registered));
    // The buckets are cumulative, and the last (+Inf) holds every request.
    const buckets = samplesOf(after, `${duration}_bucket`, registered).map((sample) => sample.value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets[buckets.length - 1]).toBe(sumOf(after, `${duration}_count`, registered));
    const clientErrors = (scrape: Scrape) => sumOf(scrape, `${duration}_count`, { status_class: '4xx' });
    expect(clientErrors(after) - clientErrors(before.intake!)).toBe(3);
    expect(sumOf(after, `${duration}_count`, { route: '/beneficiaries/:id', status_code: '404' })).toBeGreaterThanOrEqual(1);
    // Route templates, never raw paths (an id would make a series each).
    expect(samplesOf(after, `${duration}_count`).filter((sample) => sample.labels['route']!.includes(NOWHERE))).toEqual([]);
    expect(sumOf(after, `${duration}_count`, { status_class: '5xx' })).toBe(0);

    const appends = (scrape: Scrape) => sumOf(scrape, 'oriental_event_store_append_duration_seconds_count', { service: 'intake', outcome: 'ok', store: 'sqlite' });
    expect(appends(after) - appends(before.intake!)).toBeGreaterThanOrEqual(REGISTRATIONS);

    // Once the load is over, every forwarder and follower reaches the head, and every consumer group has applied everything.
    await eventually(
      async () => {
        const scrapes = await scrapeAll();
        const forwarders = SERVICES.flatMap((service) => samplesOf(scrapes[service]!, 'oriental_forwarder_lag_events'));
        expect(forwarders.map((sample) => sample.labels['forwarder']).sort()).toEqual(['capacity-building-forwarder', 'intake-forwarder', 'referral-forwarder']);
        const lags = SERVICES.flatMap((service) =>
          ['oriental_forwarder_lag_events', 'oriental_forwarder_lag_seconds', 'oriental_log_follower_lag_events', 'oriental_consumer_lag_messages', 'oriental_projection_lag_seconds'].flatMap((name) =>
            samplesOf(scrapes[service]!, name).map((sample) => ({ name, labels: sample.labels, value: sample.value })),
          ),
        );
        expect(lags.filter((lag) => lag.value !== 0)).toEqual([]);
        // Each consuming service reports its group on intake's topic.
        const groups = SERVICES.flatMap((service) => samplesOf(scrapes[service]!, 'oriental_consumer_lag_messages').map((sample) => `${service} ${sample.labels['topic']}`));
        for (const service of ['referral', 'capacity-building', 'reporting']) expect(groups).toContain(`${service} oriental.intake.v1`);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  }, 60_000);

  it('answers liveness and readiness with @nestjs/terminus, and keeps /health as it was', async () => {
    for (const service of SERVICES) {
      const live = await request(url(service)).get('/health/live').expect(200);
      expect(live.body).toMatchObject({ status: 'ok', details: { process: { status: 'up', service } } });
      const ready = await request(url(service)).get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', error: {}, details: { eventStore: { status: 'up' }, bus: { status: 'up' }, readStore: { status: 'up' } } });
      const legacy = await request(url(service)).get('/health').expect(200);
      expect(legacy.body).toMatchObject({ status: 'up', service, checks: { eventStore: { status: 'up' } } });
    }
    const intake = await request(url('intake')).get('/health/ready').expect(200);
    expect(Object.keys(intake.body.details).sort()).toEqual(['bus', 'eventStore', 'follower:intake-duplicate-index', 'forwarder', 'readStore', 'store:keyStore']);
    expect(intake.body.details.forwarder).toMatchObject({ status: 'up', kind: 'forwarder', running: true });
  });
});
