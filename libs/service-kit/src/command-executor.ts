import { context as otelContext, trace } from '@opentelemetry/api';
import { EventMetadata, NewEvent, StoredEvent } from '@oriental/contracts';
import { Decider, DomainCommand, DomainEvent, fold } from '@oriental/domain-kit';
import { AppendResult, EventStore, ExpectedRevision, StreamRevisionConflict } from '@oriental/event-store';
import { SpanKind, contextFromTraceparent, withSpan } from '@oriental/telemetry';
import { CommandContext, derivedId } from './command-context';
import { IdempotencyKeyReused, StaleRevision } from './errors';

/** What a context adds to an event's metadata: the journey it belongs to, the cell that holds the case. */
export type ContextMetadata = Pick<EventMetadata, 'beneficiaryId' | 'cellId'>;

/** How a context turns its domain events into stored envelopes and back (schema versions, encryption). */
export interface EventCodec<Event extends DomainEvent, State = unknown> {
  encode(event: Event): Promise<{ type: string; schemaVersion: number; data: unknown }>;
  decode(stored: StoredEvent): Promise<Event>;
  /**
   * The context's part of each new event's metadata, from the event and the state the command
   * was decided on (the stream as read before the decision): the executor stays generic.
   */
  metadataOf?(event: Event, decidedOn: State): ContextMetadata;
}

export interface ExecuteCommand<Command extends DomainCommand, Event extends DomainEvent, State> {
  stream: string;
  decider: Decider<Command, Event, State>;
  codec: EventCodec<Event, State>;
  command: Command;
  context: CommandContext;
  /**
   * Whether the caller may act on this stream as it stands: throws (a NotFound, so that what
   * the caller may not see stays unseen) before anything is decided, answered or appended.
   */
  authorize?(state: State): void | Promise<void>;
}

export interface CommandOutcome<Event, State = unknown> {
  /** The stream's last revision after the command (its ETag). */
  revision: number;
  /** True when the command had already been applied under the same Idempotency-Key. */
  replayed: boolean;
  events: Event[];
  /** The stream's state after the command (folded already: callers need not read it again). */
  state: State;
}

const definedFields = (metadata: ContextMetadata | undefined): ContextMetadata =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([, value]) => value !== undefined));

/** A stream's category: what its name holds before the first `-` (`beneficiary-<id>` → `beneficiary`). */
const streamCategory = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash > 0 ? stream.slice(0, dash) : stream;
};

/** Database span attributes (https://opentelemetry.io/docs/specs/semconv/database/database-spans/). */
const DbAttributes = {
  system: 'db.system.name',
  operation: 'db.operation.name',
  collection: 'db.collection.name',
} as const;

/** The event store's own attributes on the append span. */
const EventStoreAttributes = {
  stream: 'oriental.event_store.stream',
  eventCount: 'oriental.event_store.event_count',
  expectedRevision: 'oriental.event_store.expected_revision',
  nextExpectedRevision: 'oriental.event_store.next_expected_revision',
} as const;

/** Writers racing on one stream each win in turn; past this many lost races the caller gets 409. */
const MAX_ATTEMPTS = 10;

/** Full-jitter backoff, so racing writers stop colliding in lockstep. */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));

/**
 * The one place commands meet the event store: read the stream, answer a retry of an applied
 * command from the stream itself (the idempotency record IS the event: no second store to
 * keep in step), check If-Match, decide, and append with the revision the decision was
 * based on. A concurrent writer makes the append fail; without If-Match we decide again on
 * the new state, with it the caller gets 412.
 */
export class CommandExecutor {
  constructor(private readonly store: EventStore) {}

  async execute<Command extends DomainCommand, Event extends DomainEvent, State>(
    request: ExecuteCommand<Command, Event, State>,
  ): Promise<CommandOutcome<Event, State>> {
    const { stream, context } = request;
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(stream);
      const current = history.length - 1;

      const applied = history.find((event) => event.metadata.idempotencyKey === context.idempotencyKey);
      if (applied) {
        // A key is its sender's: another subject reusing it is refused, whatever the body.
        if (applied.metadata.requestHash !== context.requestHash || applied.metadata.actor !== context.actor) {
          throw new IdempotencyKeyReused(context.idempotencyKey);
        }
        const decoded = await Promise.all(history.map((e) => request.codec.decode(e)));
        const events = decoded.filter((_, index) => history[index]!.metadata.idempotencyKey === context.idempotencyKey);
        // Authorised as it was when first sent: on the state the command was decided on. On the
        // state after it, a retry of a command that ends the caller's access (a transfer declined
        // by the receiving cell) was refused (404) where the first try had answered 200.
        await request.authorize?.(fold(request.decider, decoded.slice(0, history.indexOf(applied))));
        return { revision: current, replayed: true, events, state: fold(request.decider, decoded) };
      }

      if (context.expectedRevision !== undefined && context.expectedRevision !== current) {
        throw new StaleRevision(stream, context.expectedRevision, current);
      }

      const state = fold(request.decider, await Promise.all(history.map((e) => request.codec.decode(e))));
      await request.authorize?.(state);
      const decided = request.decider.decide(request.command, state);
      if (decided.length === 0) return { revision: current, replayed: false, events: [], state };

      const toAppend: NewEvent[] = [];
      for (const [index, event] of decided.entries()) {
        const encoded = await request.codec.encode(event);
        toAppend.push({
          id: derivedId(context, `${stream}#${index}`),
          ...encoded,
          metadata: {
            ...definedFields(request.codec.metadataOf?.(event, state)),
            correlationId: context.correlationId,
            causationId: context.causationId,
            actor: context.actor,
            occurredAt: context.now.toISOString(),
            ...(context.traceparent ? { traceparent: context.traceparent } : {}),
            ...(context.tracestate ? { tracestate: context.tracestate } : {}),
            idempotencyKey: context.idempotencyKey,
            requestHash: context.requestHash,
          },
        });
      }

      try {
        const result = await this.append(stream, toAppend, current < 0 ? 'no_stream' : current, context);
        return { revision: result.nextExpectedRevision, replayed: false, events: decided, state: decided.reduce(request.decider.evolve, state) };
      } catch (error) {
        if (!(error instanceof StreamRevisionConflict)) throw error;
        if (context.expectedRevision !== undefined) throw new StaleRevision(stream, context.expectedRevision, error.actual);
        if (attempt >= MAX_ATTEMPTS) throw error;
        // Someone else wrote in between: decide again on what they wrote.
        await backoff(attempt);
      }
    }
  }

  /**
   * The append, in a CLIENT span `<stream category> append` (e.g. `beneficiary append`), so that
   * a command's trace reads POST → append (→ the forwarder's publish → each consumer's process).
   * A lost race shows as a failed append span, followed by the next attempt's. The one place a
   * command's append happens: measure it here too.
   */
  private append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision, command: CommandContext): Promise<AppendResult> {
    // The active span (the request's) is the parent; a caller whose context was lost still
    // names the request by the traceparent it carries.
    const active = otelContext.active();
    const parent = trace.getSpanContext(active) ? active : contextFromTraceparent(command.traceparent, command.tracestate, active);
    return withSpan(
      `${streamCategory(stream)} append`,
      SpanKind.CLIENT,
      parent,
      {
        [DbAttributes.system]: this.store.kind,
        [DbAttributes.operation]: 'append',
        [DbAttributes.collection]: streamCategory(stream),
        [EventStoreAttributes.stream]: stream,
        [EventStoreAttributes.eventCount]: events.length,
        [EventStoreAttributes.expectedRevision]: String(expectedRevision),
      },
      async (span) => {
        const result = await this.store.appendToStream(stream, events, { expectedRevision });
        span.setAttribute(EventStoreAttributes.nextExpectedRevision, result.nextExpectedRevision);
        return result;
      },
    );
  }

  /** Folds a stream into state; `revision` is -1 when the stream does not exist. */
  async load<Event extends DomainEvent, State>(
    stream: string,
    decider: Pick<Decider<never, Event, State>, 'evolve' | 'initialState'>,
    codec: Pick<EventCodec<Event, State>, 'decode'>,
  ): Promise<{ state: State; revision: number }> {
    const history = await this.store.readStream(stream);
    const events = await Promise.all(history.map((e) => codec.decode(e)));
    return { state: fold(decider, events), revision: history.length - 1 };
  }
}
