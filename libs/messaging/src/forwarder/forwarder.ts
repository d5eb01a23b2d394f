import { Span, SpanKind, trace } from '@opentelemetry/api';
import { StoredEvent } from '@oriental/contracts';
import { LogFollower, LogFollowerLogger, LogFollowerOptions, LogFollowerStatus } from '@oriental/event-store';
import { contextFromTraceparent, injectHeaders, recordError, tracer } from '@oriental/telemetry';
import { BusMessage, EventBus } from '../event-bus.port';
import { MessageHeaders, MessagingAttributes } from '../message-headers';

/** The little a forwarder needs to say: a log follower's logger. */
export type ForwarderLogger = LogFollowerLogger;

export interface ForwarderOptions extends Omit<LogFollowerOptions, 'handle'> {
  bus: EventBus;
  /** The message to publish for an event, or null to publish nothing (internal events). */
  toMessage: (event: StoredEvent) => BusMessage | null;
}

export interface ForwarderStatus extends Omit<LogFollowerStatus, 'handled'> {
  /** Messages acknowledged by the bus since this process started (redeliveries included). */
  published: number;
}

/**
 * Publishes a context's events from the event store's global log to the bus, so that command
 * handlers only append (no dual write: a crash between append and publish loses nothing).
 *
 * A `LogFollower` whose batch handler maps the events to messages and publishes them in one
 * call (a batch is at most `maxBatchSize` events, so one `bus.publish` each); the follower stores
 * the checkpoint only once the bus acknowledged, and retries from it when publishing fails. A
 * batch may be published twice (at-least-once), which consumers absorb by de-duplicating on
 * event id.
 *
 * Each message gets a PRODUCER span `<topic> publish` whose parent is the trace context the
 * appending request left in the event's metadata, and carries that span's context in its
 * headers, so the consumer continues the request's trace
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/).
 */
export class Forwarder {
  private readonly follower: LogFollower;
  private published = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.follower = new LogFollower({ ...options, handle: (events) => this.publish(events) });
  }

  get name(): string {
    return this.follower.name;
  }

  /**
   * Loads the checkpoint and starts following the log. Rejects when the checkpoint cannot be
   * loaded at all (fail fast at boot); later failures are retried, never thrown.
   */
  start(): Promise<void> {
    return this.follower.start();
  }

  /** Stops following, waits for the batch in flight, and tries once more to store its checkpoint. */
  stop(): Promise<void> {
    return this.follower.stop();
  }

  status(): ForwarderStatus {
    const { handled: _handled, ...status } = this.follower.status();
    return { ...status, published: this.published };
  }

  private async publish(events: StoredEvent[]): Promise<void> {
    // Map first: a `toMessage` that throws fails the batch before any span is opened.
    const outgoing = events
      .flatMap((event) => {
        const message = this.options.toMessage(event);
        return message ? [{ event, message }] : [];
      })
      .map(({ event, message }) => this.traced(event, message));
    if (outgoing.length === 0) return;
    try {
      await this.options.bus.publish(outgoing.map(({ message }) => message));
    } catch (error) {
      for (const { span } of outgoing) recordError(span, error);
      throw error;
    } finally {
      for (const { span } of outgoing) span.end();
    }
    this.published += outgoing.length;
  }

  /** Starts the message's PRODUCER span and puts its context, and the event's identity, in the headers. */
  private traced(event: StoredEvent, message: BusMessage): { message: BusMessage; span: Span } {
    const parent = contextFromTraceparent(event.metadata.traceparent, event.metadata.tracestate);
    const span = tracer().startSpan(
      `${message.topic} publish`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [MessagingAttributes.system]: this.options.bus.kind,
          [MessagingAttributes.destination]: message.topic,
          [MessagingAttributes.operationName]: 'publish',
          [MessagingAttributes.operationType]: 'send',
          [MessagingAttributes.messageId]: event.id,
          [MessagingAttributes.kafkaMessageKey]: message.key,
        },
      },
      parent,
    );
    const headers = {
      [MessageHeaders.eventId]: event.id,
      [MessageHeaders.eventType]: event.type,
      [MessageHeaders.schemaVersion]: String(event.schemaVersion),
      ...message.headers,
      ...injectHeaders(trace.setSpan(parent, span)),
    };
    return { message: { ...message, headers }, span };
  }
}
