import { Span, SpanKind, trace } from '@opentelemetry/api';
import { LogPosition, StoredEvent } from '@oriental/contracts';
import type { CheckpointStore, EventStore, Subscription } from '@oriental/event-store';
import { contextFromTraceparent, injectHeaders, recordError, tracer } from '@oriental/telemetry';
import { BusMessage, EventBus } from '../event-bus.port';
import { MessageHeaders, MessagingAttributes } from '../message-headers';

/** The little a forwarder needs to say; Nest's `Logger` and `console` both fit. */
export interface ForwarderLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ForwarderOptions {
  /** Checkpoint name, e.g. `intake-forwarder`: one per forwarder, stable across restarts. */
  name: string;
  store: EventStore;
  checkpoints: CheckpointStore;
  bus: EventBus;
  /** The stream categories this context owns, e.g. `['beneficiary-']`. */
  streamPrefixes: readonly string[];
  /** The message to publish for an event, or null to publish nothing (internal events). */
  toMessage: (event: StoredEvent) => BusMessage | null;
  /** Largest batch read from the log and published at once, in one `bus.publish` (default 500). */
  maxBatchSize?: number;
  /**
   * Least time between two saves of a position the log reports passing without events of these
   * categories (default 5 s); the last one is also saved on stop. A restart after a crash
   * therefore scans again at most this much of the quiet log.
   */
  checkpointIntervalMs?: number;
  logger?: ForwarderLogger;
  /** First delay before retrying after a failure (default 1 s); doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  /** Longest delay between retries (default 30 s). */
  maxRetryDelayMs?: number;
}

export interface ForwarderStatus {
  name: string;
  running: boolean;
  /** The stored checkpoint: every event of its categories up to here was acknowledged by the bus. */
  lastPosition?: LogPosition;
  /** Messages acknowledged since this process started (redeliveries included). */
  published: number;
  /** Failures since the last batch that went through; 0 when healthy. */
  consecutiveFailures: number;
  lastError?: string;
}

/**
 * Publishes a context's events from the event store's global log to the bus, so that command
 * handlers only append (no dual write: a crash between append and publish loses nothing).
 *
 * For each batch: map the events to messages, publish them in one call, wait for the bus to
 * acknowledge, and only then store the checkpoint (the last event's position). When the log
 * moves past events of other categories, it stores that position too, at most every
 * `checkpointIntervalMs` and on stop, so that a restart after a quiet spell does not scan the
 * spell again. When publishing fails, the
 * checkpoint stays where it was; the forwarder drops the subscription and, after a backoff,
 * follows the log again from the stored checkpoint. Nothing is lost or skipped; a batch may be
 * published twice (at-least-once), which consumers absorb by de-duplicating on event id.
 *
 * Each message gets a PRODUCER span `<topic> publish` whose parent is the trace context the
 * appending request left in the event's metadata, and carries that span's context in its
 * headers, so the consumer continues the request's trace
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/).
 */
export class Forwarder {
  private running = false;
  private subscription?: Subscription;
  /** A subscription being stopped after a failure: awaited before following again. */
  private stopping?: Promise<void>;
  private inFlight?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  /**
   * How far the forwarder got: the last batch the bus acknowledged or, if later, the last
   * position the log passed without events to forward. Updated in log order (the subscription
   * hands both over one at a time), so it never goes back behind an acknowledged batch.
   */
  private reached?: LogPosition;
  /** Last position stored as the checkpoint, and when (ms since the epoch). */
  private saved?: LogPosition;
  private savedAt = 0;
  private published = 0;
  private consecutiveFailures = 0;
  private lastError?: string;
  private readonly logger: ForwarderLogger;

  constructor(private readonly options: ForwarderOptions) {
    this.logger = options.logger ?? consoleLogger;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Loads the checkpoint and starts following the log. Rejects when the checkpoint cannot be
   * loaded at all (fail fast at boot); later failures are retried, never thrown.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.follow();
    } catch (error) {
      this.running = false;
      throw error;
    }
    this.logger.log(`forwarder ${this.name} following the log after ${this.saved ?? 'the start'}`);
  }

  /** Stops following, waits for the batch in flight, and makes sure its checkpoint is stored. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    await this.stopping;
    await this.inFlight?.catch(() => undefined);
    if (this.reached !== undefined && this.reached !== this.saved) {
      // A quiet position not saved yet, or a batch the bus acknowledged whose checkpoint failed
      // to save: one more try spares a rescan or a redelivery after the restart.
      await this.save(this.reached);
    }
  }

  status(): ForwarderStatus {
    return {
      name: this.name,
      running: this.running,
      ...(this.saved !== undefined ? { lastPosition: this.saved } : {}),
      published: this.published,
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private async follow(): Promise<void> {
    await this.stopping;
    this.stopping = undefined;
    const after = await this.options.checkpoints.load(this.name);
    this.saved = this.reached = after;
    this.savedAt = Date.now();
    if (!this.running) return;
    this.subscription = this.options.store.subscribeToAll({
      ...(after !== undefined ? { after } : {}),
      streamPrefixes: this.options.streamPrefixes,
      maxBatchSize: this.options.maxBatchSize ?? 500,
      onEvents: (events) => (this.inFlight = this.forward(events)),
      onCheckpoint: (position) => (this.inFlight = this.passed(position)),
      onError: (error) => this.failed(error),
    });
  }

  private async forward(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Map first: a `toMessage` that throws fails the batch before any span is opened.
    const outgoing = events
      .flatMap((event) => {
        const message = this.options.toMessage(event);
        return message ? [{ event, message }] : [];
      })
      .map(({ event, message }) => this.traced(event, message));
    try {
      if (outgoing.length > 0) await this.options.bus.publish(outgoing.map(({ message }) => message));
    } catch (error) {
      for (const { span } of outgoing) recordError(span, error);
      throw error;
    } finally {
      for (const { span } of outgoing) span.end();
    }
    const last = events[events.length - 1].position;
    this.reached = last;
    this.published += outgoing.length;
    await this.save(last);
    if (this.consecutiveFailures > 0) this.logger.log(`forwarder ${this.name} recovered after ${this.consecutiveFailures} failure(s)`);
    this.consecutiveFailures = 0;
    this.lastError = undefined;
  }

  /**
   * The log went past events of other categories up to `position`. Saved when the last save is
   * old enough, else kept for the next one or for stop(): a write per poll would make a quiet
   * forwarder cost what the busy categories append.
   */
  private async passed(position: LogPosition): Promise<void> {
    this.reached = position;
    if (Date.now() - this.savedAt < (this.options.checkpointIntervalMs ?? 5_000)) return;
    try {
      await this.save(position);
    } catch (error) {
      // Nothing was published past the stored checkpoint, so nothing is lost: a restart scans a
      // little more. Not worth dropping the subscription; the next batch's save will tell.
      this.savedAt = Date.now();
      this.logger.warn(`forwarder ${this.name} could not store the position it passed (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async save(position: LogPosition): Promise<void> {
    await this.options.checkpoints.save(this.name, position);
    this.saved = position;
    this.savedAt = Date.now();
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

  private failed(error: unknown): void {
    // The subscription stops itself when a batch fails; stopping it again also covers a failure
    // of the subscription's own reading. Not awaited here: this may run inside its loop.
    this.stopping = this.subscription?.stop().catch(() => undefined);
    this.subscription = undefined;
    this.consecutiveFailures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (!this.running) return;
    const initial = this.options.retryDelayMs ?? 1_000;
    const delay = Math.min(initial * 2 ** (this.consecutiveFailures - 1), this.options.maxRetryDelayMs ?? 30_000);
    this.logger.error(`forwarder ${this.name} failed (${this.lastError}); retrying from the stored checkpoint in ${delay} ms`, error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.follow().catch((reason) => this.failed(reason));
    }, delay);
  }
}

const consoleLogger: ForwarderLogger = {
  log: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) => console.error(message, error),
};
