import { EventEmitter } from 'node:events';
import { InMemoryBus } from '@oriental/messaging';
import { InMemoryEventLog } from '@oriental/messaging/testing';
import { parsePrometheusText, sumOf } from '@oriental/testing';
import type { Request, Response } from 'express';
import { ServiceStatus } from '../health.controller';
import { followerLag, LAG_SCAN_LIMIT, ServiceMetrics } from './service-metrics';

const anEvent = (id: number, occurredAt: string) => ({
  id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
  type: 'Happened',
  schemaVersion: 1,
  data: {},
  metadata: { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt },
});

describe('ServiceMetrics', () => {
  const status = new ServiceStatus('intake');
  const metrics = new ServiceMetrics({ service: 'intake', status, eventStore: new InMemoryEventLog() });

  afterAll(() => metrics.close());

  /** One request through the middleware, answered with `status` once it finishes (then its connection closes), or abandoned. */
  const answer = (method: string, status: number, route?: string, { abandoned = false } = {}) => {
    const response = Object.assign(new EventEmitter(), { statusCode: status, headersSent: !abandoned }) as unknown as Response;
    const request = { method, baseUrl: '', ...(route ? { route: { path: route } } : {}) } as unknown as Request;
    metrics.http()(request, response, () => undefined);
    if (!abandoned) (response as unknown as EventEmitter).emit('finish');
    (response as unknown as EventEmitter).emit('close');
  };

  it('counts answers by route template and status, server errors apart, and unmatched paths under one label', async () => {
    answer('POST', 201, '/beneficiaries');
    answer('GET', 503, '/beneficiaries/:id');
    answer('GET', 404);
    const scrape = parsePrometheusText(await metrics.registry.scrape());
    const name = 'oriental_http_server_request_duration_seconds_count';
    expect(sumOf(scrape, name, { status_class: '5xx', route: '/beneficiaries/:id', status_code: '503' })).toBe(1);
    expect(sumOf(scrape, name, { status_class: '2xx', route: '/beneficiaries', method: 'POST' })).toBe(1);
    expect(sumOf(scrape, name, { status_class: '4xx', route: 'unmatched' })).toBe(1);
  });

  it('counts a request once, and one whose client left before any answer as 499', async () => {
    const name = 'oriental_http_server_request_duration_seconds_count';
    const before = parsePrometheusText(await metrics.registry.scrape());
    answer('GET', 200, '/hub/feed', { abandoned: true });
    answer('GET', 200, '/hub/feed');
    const after = parsePrometheusText(await metrics.registry.scrape());
    const count = (scrape: typeof after, status: string) => sumOf(scrape, name, { route: '/hub/feed', status_code: status });
    expect([count(after, '499') - count(before, '499'), count(after, '200') - count(before, '200')]).toEqual([1, 1]);
  });

  it('times appends by outcome and passes every other call through', async () => {
    const log = new InMemoryEventLog();
    const timed = metrics.timedEventStore(log);
    await timed.appendToStream('beneficiary-1', [anEvent(1, new Date().toISOString())], { expectedRevision: 'any' });
    expect(await timed.readStream('beneficiary-1')).toHaveLength(1);
    expect(timed.kind).toBe(log.kind);
    const scrape = parsePrometheusText(await metrics.registry.scrape());
    expect(sumOf(scrape, 'oriental_event_store_append_duration_seconds_count', { service: 'intake', outcome: 'ok', store: log.kind })).toBe(1);
  });
});

describe('consumer and projection lag on the in-process bus', () => {
  it('shows what the group has been handed and not handled yet, and how long the oldest has waited, then 0', async () => {
    const bus = new InMemoryBus();
    let release = () => undefined as void;
    const handling = new Promise<void>((resolve) => (release = resolve));
    bus.subscribe('oriental.intake.v1', 'reporting', () => handling);
    bus.subscribe('oriental.intake.v1', 'referral', async () => undefined);
    const metrics = new ServiceMetrics({ service: 'reporting', status: new ServiceStatus('reporting'), eventStore: new InMemoryEventLog(), consumerGroup: 'reporting', memoryBus: bus });
    const lags = async () => {
      const scrape = parsePrometheusText(await metrics.registry.scrape());
      const labels = { service: 'reporting', group: 'reporting', topic: 'oriental.intake.v1' };
      return { messages: sumOf(scrape, 'oriental_consumer_lag_messages', labels), waiting: sumOf(scrape, 'oriental_projection_lag_seconds', labels) > 0, others: sumOf(scrape, 'oriental_consumer_lag_messages', { group: 'referral' }) };
    };

    const published = bus.publish([1, 2, 3].map((n) => ({ topic: 'oriental.intake.v1', key: `k${n}`, value: String(n), headers: {} })));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await lags()).toEqual({ messages: 3, waiting: true, others: 0 });
    release();
    await published;
    expect(await lags()).toEqual({ messages: 0, waiting: false, others: 0 });
    await metrics.close();
  });
});

describe('followerLag', () => {
  const follower = (lastPosition?: string) => ({ name: 'f', kind: 'forwarder' as const, streamPrefixes: ['beneficiary-'], status: () => (lastPosition ? { lastPosition } : {}) });

  it('is 0 at the head without reading, and otherwise counts its categories past the checkpoint and dates the oldest', async () => {
    const log = new InMemoryEventLog();
    const now = Date.parse('2026-07-01T10:00:10Z');
    await log.appendToStream('beneficiary-1', [anEvent(1, '2026-07-01T10:00:00Z')], { expectedRevision: 'any' });
    await log.appendToStream('session-1', [anEvent(2, '2026-07-01T10:00:01Z')], { expectedRevision: 'any' });
    await log.appendToStream('beneficiary-2', [anEvent(3, '2026-07-01T10:00:04Z')], { expectedRevision: 'any' });
    const head = await log.logHead();

    expect(await followerLag(log, head, follower('3'), now)).toEqual({ events: 0, seconds: 0 });
    expect(await followerLag(log, head, follower('1'), now)).toEqual({ events: 1, seconds: 6 });
    expect(await followerLag(log, head, follower(), now)).toEqual({ events: 2, seconds: 10 });
    // Past a checkpoint beyond which only other categories lie: nothing of its own to do.
    expect(await followerLag(log, head, follower('2'), now)).toEqual({ events: 1, seconds: 6 });
    expect(await followerLag(log, undefined, follower(), now)).toEqual({ events: 0, seconds: 0 });
  });

  it(`counts at most ${LAG_SCAN_LIMIT} events: one bounded read per scrape, whatever the backlog`, async () => {
    const log = new InMemoryEventLog();
    for (let index = 0; index < LAG_SCAN_LIMIT + 5; index++) await log.appendToStream(`beneficiary-${index}`, [anEvent(index, '2026-07-01T10:00:00Z')], { expectedRevision: 'any' });
    expect((await followerLag(log, await log.logHead(), follower(), Date.parse('2026-07-01T10:00:00Z'))).events).toBe(LAG_SCAN_LIMIT);
  });
});

describe('ServiceStatus', () => {
  it('shows a forwarder that parked events as up but degraded, with the count parked', () => {
    const status = new ServiceStatus('intake');
    let parked = 0;
    status.setForwarder('intake-forwarder', ['beneficiary-'], () => ({ running: true, consecutiveFailures: 0, published: 3, parked }));
    expect(status.forwarder()).toEqual({ status: 'up', kind: 'forwarder', details: { running: true, consecutiveFailures: 0, published: 3, parked: 0 } });
    parked = 2;
    expect(status.forwarder()).toEqual({ status: 'up', kind: 'forwarder', details: { running: true, consecutiveFailures: 0, published: 3, parked: 2, degraded: true } });
  });

  it('shows a forwarder stopped on an error as down', () => {
    const status = new ServiceStatus('intake');
    status.setForwarder('intake-forwarder', ['beneficiary-'], () => ({ running: false, consecutiveFailures: 1, lastError: 'broker gone' }));
    expect(status.forwarder()?.status).toBe('down');
  });
});
