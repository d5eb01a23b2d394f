import { Span, SpanKind, trace } from '@opentelemetry/api';
import { LogPosition, StoredEvent } from '@oriental/contracts';
import { LogFollower, LogFollowerLogger, LogFollowerOptions, LogFollowerStatus } from '@oriental/event-store';
import { contextFromTraceparent, injectHeaders, recordError, tracer } from '@oriental/telemetry';
import { Held, HeldItems } from '../dead-letters/held-items';
import { watchParkedEvents } from '../dead-letters/metrics';
import { BusMessage, EventBus } from '../event-bus.port';
import { MessageHeaders, MessagingAttributes } from '../message-headers';

const isParked = (held: Held<ParkedEvent>): boolean => held.state === 'held' || held.state === 'replay-requested' || held.state === 'discard-requested';

const parkedEvent = (event: StoredEvent, waitingBehind?: string): ParkedEvent => ({
  stream: event.stream,
  revision: event.revision,
  position: event.position,
  eventId: event.id,
  eventType: event.type,
  ...(waitingBehind ? { waitingBehind } : {}),
});

/** The little a forwarder needs to say: a log follower's logger. */
export type ForwarderLogger = LogFollowerLogger;

export interface ForwarderOptions extends Omit<LogFollowerOptions, 'handle'> {
  bus: EventBus;
  /** The message to publish for an event, or null to publish nothing (internal events). A throw parks the event. */
  toMessage: (event: StoredEvent) => BusMessage | null;
  /** How often replays and discards asked for with `npm run dlq` are looked for (default 1 s). */
  parkingPollIntervalMs?: number;
}

export interface ForwarderStatus extends Omit<LogFollowerStatus, 'handled'> {
  /** Messages acknowledged by the bus since this process started (redeliveries included). */
  published: number;
  /** Events parked and not yet replayed or discarded: the forwarder is degraded while there are any. */
  parked: number;
}

/** An event a forwarder could not map, or that waits behind one of its stream that it could not map. */
export interface ParkedEvent {
  stream: string;
  revision: number;
  position: LogPosition;
  eventId: string;
  eventType: string;
  /** The parked event of the same stream this one waits behind, when it was mappable itself. */
  waitingBehind?: string;
}

/** The stream that holds a forwarder's parked events (`npm run dlq` lists them). */
export const parkedEventsStream = (forwarder: string): string => `parked-${forwarder}`;

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
 * An event whose `toMessage` throws cannot be published by this code, however often it is
 * retried: it is PARKED (an `ItemHeld` in stream `parked-<forwarder>`, with its position and the
 * reason), and the rest of the log flows on. Later events of the same stream (one beneficiary's
 * case) are parked behind it, so that no consumer sees them out of order. `npm run dlq --
 * replay` (once the mapping is fixed) or `discard` releases the parked event; the events that
 * waited behind it are then published in order. While events are parked, `status().parked` says
 * how many (health shows the forwarder degraded) and `oriental_forwarder_parked_events` too.
 *
 * Each message gets a PRODUCER span `<topic> publish` whose parent is the trace context the
 * appending request left in the event's metadata, and carries that span's context in its
 * headers, so the consumer continues the request's trace
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/).
 */
export class Forwarder {
  private readonly follower: LogFollower;
  private published = 0;
  private readonly parking: HeldItems<ParkedEvent>;
  /** Per stream, the ids of its parked events, oldest first: the first is the one the others wait behind. */
  private readonly blocked = new Map<string, { id: string; revision: number }[]>();
  /** Publishing and releasing parked events take turns, so a stream's events go out in order. */
  private turn: Promise<unknown> = Promise.resolve();
  private pollTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private unwatch?: () => void;

  constructor(private readonly options: ForwarderOptions) {
    this.follower = new LogFollower({ ...options, handle: (events) => this.inTurn(() => this.publish(events)) });
    this.parking = new HeldItems<ParkedEvent>(options.store, parkedEventsStream(options.name), `system:${options.name}`);
  }

  get name(): string {
    return this.follower.name;
  }

  /**
   * Loads the checkpoint and starts following the log. Rejects when the checkpoint cannot be
   * loaded at all (fail fast at boot); later failures are retried, never thrown.
   */
  async start(): Promise<void> {
    // What is parked, from the parking stream (it costs what is parked, not the log).
    for (const held of await this.parking.poll()) if (isParked(held)) this.block(held.item.stream, held.id, held.item.revision);
    await this.follower.start();
    this.unwatch = watchParkedEvents(this.name, () => this.parkedCount());
    this.schedulePoll();
  }

  /** Stops following, waits for the batch in flight, and tries once more to store its checkpoint. */
  async stop(): Promise<void> {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.polling;
    this.unwatch?.();
    await this.follower.stop();
  }

  status(): ForwarderStatus {
    const { handled: _handled, ...status } = this.follower.status();
    return { ...status, published: this.published, parked: this.parkedCount() };
  }

  /** Parked events, as `npm run dlq -- list` shows them. */
  async parked(): Promise<Held<ParkedEvent>[]> {
    return (await this.parking.poll()).filter(isParked);
  }

  private parkedCount(): number {
    let count = 0;
    for (const parked of this.blocked.values()) count += parked.length;
    return count;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work, work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async publish(events: StoredEvent[]): Promise<void> {
    const toPublish: { event: StoredEvent; message: BusMessage }[] = [];
    const toPark: { event: StoredEvent; reason: string; waitingBehind?: string }[] = [];
    // Streams blocked by this batch, beside those blocked before it.
    const blockedNow = new Map<string, { id: string; revision: number }>();
    for (const event of events) {
      const parked = this.blocked.get(event.stream);
      const head = parked?.[0] ?? blockedNow.get(event.stream);
      // A redelivered batch (a crash before the checkpoint): what is parked stays as it is, and
      // what came before the stream's first parked event is published again.
      if (parked?.some(({ id }) => id === event.id)) continue;
      if (head !== undefined && event.revision > head.revision) {
        toPark.push({ event, reason: `waits behind ${head.id}, parked before it in ${event.stream}`, waitingBehind: head.id });
        continue;
      }
      const mapped = this.mapped(event);
      if ('failure' in mapped) {
        toPark.push({ event, reason: mapped.failure });
        blockedNow.set(event.stream, { id: event.id, revision: event.revision });
      } else if (mapped.message) {
        toPublish.push({ event, message: mapped.message });
      }
    }
    await this.send(toPublish);
    if (toPark.length > 0) {
      await this.parking.hold(toPark.map(({ event, reason, waitingBehind }) => ({ id: event.id, item: parkedEvent(event, waitingBehind), reason })));
      for (const { event, reason } of toPark) {
        this.block(event.stream, event.id, event.revision);
        this.options.logger?.error(`${this.name} parked ${event.type} ${event.id} (${event.stream}@${event.revision}, position ${event.position}): ${reason}`);
      }
    }
  }

  private mapped(event: StoredEvent): { message: BusMessage | null } | { failure: string } {
    try {
      return { message: this.options.toMessage(event) };
    } catch (error) {
      return { failure: `cannot be mapped to a message: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private block(stream: string, id: string, revision: number): void {
    const parked = this.blocked.get(stream) ?? [];
    if (!parked.some((entry) => entry.id === id)) parked.push({ id, revision });
    this.blocked.set(stream, parked);
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      this.polling = this.inTurn(() => this.actOnRequests())
        .catch((error: unknown) => this.options.logger?.warn(`${this.name} parked events: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.polling = undefined;
          if (this.pollTimer !== undefined) this.schedulePoll();
        });
    }, this.options.parkingPollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  /**
   * Replays or discards the parked events an operator asked for, first of their stream first (a
   * request on one that waits behind another waits too); the events that waited behind a
   * released one are published after it, up to the next one that cannot be mapped.
   */
  private async actOnRequests(): Promise<void> {
    const requests = await this.parking.requests();
    for (const request of requests) {
      const { stream } = request.item;
      if (this.blocked.get(stream)?.[0]?.id !== request.id) continue;
      if (request.state === 'discard-requested') {
        await this.parking.settle(request.id, 'discarded');
        this.options.logger?.warn(`${this.name} discarded parked event ${request.id} (${stream}@${request.item.revision}), asked by ${request.requestedBy}`);
        this.blocked.get(stream)!.shift();
      }
      await this.release(stream);
    }
  }

  /** Publishes the stream's parked events in order, until one still cannot be mapped. */
  private async release(stream: string): Promise<void> {
    const parked = this.blocked.get(stream) ?? [];
    const items = new Map((await this.parking.poll()).map((held) => [held.id, held]));
    while (parked.length > 0) {
      const held = items.get(parked[0]!.id)!;
      const [event] = await this.options.store.readStream(stream, { fromRevision: held.item.revision, maxCount: 1 });
      if (!event || event.id !== held.id) throw new Error(`parked event ${held.id} is no longer at ${stream}@${held.item.revision}`);
      const mapped = this.mapped(event);
      if ('failure' in mapped) {
        // Still unmappable: it stays parked, now first of its stream, with the new reason.
        if (held.state !== 'held' || held.reason !== mapped.failure) await this.parking.settle(held.id, { failed: mapped.failure });
        break;
      }
      if (mapped.message) await this.send([{ event, message: mapped.message }]);
      await this.parking.settle(held.id, 'replayed');
      parked.shift();
      this.options.logger?.log(`${this.name} published parked event ${held.id} (${stream}@${held.item.revision})`);
    }
    if (parked.length === 0) this.blocked.delete(stream);
  }

  private async send(messages: readonly { event: StoredEvent; message: BusMessage }[]): Promise<void> {
    const outgoing = messages.map(({ event, message }) => this.traced(event, message));
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
