import { Attributes, Histogram } from '@opentelemetry/api';
import { EventStore, LogHead, StreamRevisionConflict } from '@oriental/event-store';
import { InMemoryBus, KafkaSecurity } from '@oriental/messaging';
import { MetricsRegistry, SECONDS_BUCKETS } from '@oriental/telemetry';
import type { NextFunction, Request, Response } from 'express';
import type { FollowedLog, ServiceStatus } from '../health.controller';
import { KafkaConsumerLag, TopicLag } from './kafka-consumer-lag';

/** The meter of the series service-kit creates (every one labelled `service`). */
const METER = '@oriental/service-kit';

/**
 * Most events of its categories a lag read counts after a follower's checkpoint: one bounded
 * read per follower per scrape, so a scrape of a follower far behind costs what this many cost,
 * not what the history does. A lag of this value means "this many or more".
 */
export const LAG_SCAN_LIMIT = 1_000;

export interface ServiceMetricsOptions {
  service: string;
  status: ServiceStatus;
  eventStore: EventStore;
  /** The service's consumer group, when it consumes from the bus. */
  consumerGroup?: string;
  /** BUS=memory: its backlog per group. */
  memoryBus?: InMemoryBus;
  /** BUS=kafka: the group's committed offsets against the topics' ends. */
  kafka?: { brokers: string[]; security?: KafkaSecurity; topicPrefix?: string };
}

/**
 * What one service measures, in a registry of its own (`/metrics` answers it): its HTTP
 * requests, its appends, how far its forwarder and log followers are behind the log's head, and
 * how far its consumer group is behind the bus. Series of the shared libraries (dead letters,
 * parked events) are shown by the service they name (`owns`).
 *
 * Cost: a request records one histogram point; a scrape reads the log's head once, and at most
 * one bounded page of the log per follower that is behind (none for a follower at the head);
 * Kafka offsets are read at most every 5 s.
 */
export class ServiceMetrics {
  readonly registry: MetricsRegistry;
  private readonly httpDuration: Histogram;
  private readonly appendDuration: Histogram;
  private readonly kafkaLag?: KafkaConsumerLag;

  constructor(private readonly options: ServiceMetricsOptions) {
    this.registry = new MetricsRegistry((attributes) => this.owns(attributes), { service: options.service });
    const meter = this.registry.meter(METER);
    const service = options.service;

    this.httpDuration = meter.createHistogram('oriental_http_server_request_duration_seconds', {
      description: 'HTTP requests answered, by method, route template and status: the rate (_count), the errors (status_class 5xx, and 4xx) and the duration',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.appendDuration = meter.createHistogram('oriental_event_store_append_duration_seconds', {
      description: 'Appends to the event store, by outcome (ok, conflict, error): their rate and duration, group-commit wait included',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });

    const lagEvents = {
      forwarder: meter.createObservableGauge('oriental_forwarder_lag_events', { description: 'Events of its categories past the forwarder\'s checkpoint, not yet published (at most 1000 counted)' }),
      'log-follower': meter.createObservableGauge('oriental_log_follower_lag_events', { description: "Events of its categories past a log follower's checkpoint, not yet handled (at most 1000 counted)" }),
    };
    const lagSeconds = {
      forwarder: meter.createObservableGauge('oriental_forwarder_lag_seconds', { description: 'Age of the oldest event the forwarder has not published yet (its occurredAt to now); 0 when caught up', unit: 's' }),
      'log-follower': meter.createObservableGauge('oriental_log_follower_lag_seconds', { description: 'Age of the oldest event a log follower has not handled yet; 0 when caught up', unit: 's' }),
    };
    meter.addBatchObservableCallback(async (result) => {
      const now = Date.now();
      const head = await options.eventStore.logHead().catch(() => undefined);
      await Promise.all(
        options.status.followedLogs().map(async (follower) => {
          const lag = await followerLag(options.eventStore, head, follower, now).catch(() => undefined);
          if (!lag) return;
          const attributes = { service, [follower.kind === 'forwarder' ? 'forwarder' : 'follower']: follower.name };
          result.observe(lagEvents[follower.kind], lag.events, attributes);
          result.observe(lagSeconds[follower.kind], lag.seconds, attributes);
        }),
      );
    }, [...Object.values(lagEvents), ...Object.values(lagSeconds)]);

    const group = options.consumerGroup;
    if (group && (options.memoryBus || options.kafka)) {
      const consumerLag = meter.createObservableGauge('oriental_consumer_lag_messages', {
        description: "Messages on a topic the service's consumer group has not acknowledged yet (Kafka: past its committed offsets; in-process: handed over and not handled)",
      });
      const projectionLag = meter.createObservableGauge('oriental_projection_lag_seconds', {
        description: "How far the group's read models are behind what the bus carries: in-process, the age of the oldest message not yet applied; Kafka, the lag divided by the pace the group commits at",
        unit: 's',
      });
      if (options.kafka) {
        this.kafkaLag = new KafkaConsumerLag({ ...options.kafka, groupId: group, clientId: `${service}-metrics` });
      }
      meter.addBatchObservableCallback(async (result) => {
        for (const lag of await this.consumerLags(group)) {
          const attributes = { service, group, topic: lag.topic };
          result.observe(consumerLag, lag.messages, attributes);
          result.observe(projectionLag, lag.seconds, attributes);
        }
      }, [consumerLag, projectionLag]);
    }
  }

  /**
   * Express middleware: one histogram point per request, labelled with the route template (not
   * the path: ids would make a series each), when the answer is sent or the connection closes,
   * whichever comes first. A stream (the hub's feed) counts when it ends, for as long as it
   * lasted; a request whose client left before any answer counts as 499 (client closed request).
   */
  http(): (request: Request, response: Response, next: NextFunction) => void {
    const histogram = this.httpDuration;
    const service = this.options.service;
    return (request, response, next) => {
      const start = performance.now();
      let recorded = false;
      const record = () => {
        if (recorded) return;
        recorded = true;
        const status = response.headersSent ? response.statusCode : CLIENT_CLOSED_REQUEST;
        histogram.record((performance.now() - start) / 1000, {
          service,
          method: request.method,
          route: routeOf(request),
          status_code: status,
          status_class: `${Math.floor(status / 100)}xx`,
        });
      };
      response.once('finish', record);
      response.once('close', record);
      next();
    };
  }

  /** The event store with its appends timed; every other call goes straight through. */
  timedEventStore<Store extends EventStore>(store: Store): Store {
    const histogram = this.appendDuration;
    const service = this.options.service;
    const kind = store.kind;
    const appendToStream: EventStore['appendToStream'] = async (stream, events, options) => {
      const start = performance.now();
      let outcome = 'error';
      try {
        const result = await store.appendToStream(stream, events, options);
        outcome = 'ok';
        return result;
      } catch (error) {
        if (error instanceof StreamRevisionConflict) outcome = 'conflict';
        throw error;
      } finally {
        histogram.record((performance.now() - start) / 1000, { service, store: kind, outcome });
      }
    };
    return new Proxy(store, {
      get: (target, property) => {
        if (property === 'appendToStream') return appendToStream;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  async close(): Promise<void> {
    await this.kafkaLag?.close();
    await this.registry.shutdown();
  }

  private async consumerLags(group: string): Promise<TopicLag[]> {
    if (this.kafkaLag) return this.kafkaLag.read();
    const now = Date.now();
    return (this.options.memoryBus?.backlog() ?? [])
      .filter((backlog) => backlog.group === group)
      .map(({ topic, messages, oldestPublishedAt }) => ({ topic, messages, seconds: oldestPublishedAt === undefined ? 0 : Math.max(0, now - oldestPublishedAt) / 1000 }));
  }

  /**
   * Whether a series of a shared library (the process's global MeterProvider) is this service's:
   * labelled with it, or naming its consumer group, its forwarder or one of its log followers.
   * The embedded default hosts four services in one process: each shows its own, labelled
   * `service` like its own series.
   */
  private owns(attributes: Attributes): boolean {
    if (attributes['service'] !== undefined) return attributes['service'] === this.options.service;
    if (attributes['group'] !== undefined) return attributes['group'] === this.options.consumerGroup;
    const followed = this.options.status.followedLogs().map((follower) => follower.name);
    if (attributes['forwarder'] !== undefined) return followed.includes(String(attributes['forwarder']));
    if (attributes['follower'] !== undefined) return followed.includes(String(attributes['follower']));
    // Nothing names an owner: a series of the whole process, shown by each of its services.
    return true;
  }
}

/** What nginx logs for a request its client gave up on before any answer. */
const CLIENT_CLOSED_REQUEST = 499;

const routeOf = (request: Request): string => {
  const path = (request as Request & { route?: { path?: unknown } }).route?.path;
  return path === undefined ? 'unmatched' : `${request.baseUrl}${String(path)}`;
};

/**
 * How far a follower is behind the head: none when its checkpoint is the head (no read); else one
 * bounded read of its categories after its checkpoint, counting the events (at most
 * LAG_SCAN_LIMIT) and taking the age of the first (its `occurredAt`, stamped at the append).
 */
export const followerLag = async (store: EventStore, head: LogHead | undefined, follower: FollowedLog, now: number): Promise<{ events: number; seconds: number }> => {
  const { lastPosition } = follower.status();
  if (head === undefined || lastPosition === head.position) return { events: 0, seconds: 0 };
  const page = await store.readAll({
    ...(lastPosition !== undefined ? { after: lastPosition } : {}),
    maxCount: LAG_SCAN_LIMIT,
    ...(follower.streamPrefixes ? { streamPrefixes: follower.streamPrefixes } : {}),
  });
  const oldest = page.events[0];
  const occurredAt = oldest ? Date.parse(oldest.metadata.occurredAt) : NaN;
  return { events: page.events.length, seconds: Number.isNaN(occurredAt) ? 0 : Math.max(0, now - occurredAt) / 1000 };
};
