import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { StoredEvent } from '@oriental/contracts';
import { Decider, DomainCommand, DomainEvent } from '@oriental/domain-kit';
import { createEventStore, EventStore } from '@oriental/event-store';
import { InMemoryTracing, SpanKind, startInMemoryTracing, tracer } from '@oriental/telemetry';
import { CommandContext, requestHash } from './command-context';
import { CommandExecutor, EventCodec } from './command-executor';

type Noted = DomainEvent<'Noted', { text: string }>;
type Note = DomainCommand<'Note', { text: string }>;
const notes: Decider<Note, Noted, number> = {
  initialState: 0,
  evolve: (count) => count + 1,
  decide: (command) => [{ type: 'Noted', data: { text: command.data.text } }],
};
const codec: EventCodec<Noted> = {
  encode: async (event) => ({ type: event.type, schemaVersion: 1, data: event.data }),
  decode: async (stored: StoredEvent) => ({ type: 'Noted', data: stored.data as { text: string } }),
};
const contextFor = (key: string, extra: Partial<CommandContext> = {}): CommandContext => ({
  idempotencyKey: key,
  requestHash: requestHash('POST', '/notebooks/:id/notes', { key }),
  actor: 'agent:test',
  correlationId: randomUUID(),
  causationId: `http:${key}`,
  now: new Date('2026-07-15T09:30:00.000Z'),
  ...extra,
});

/** The append's span: what makes a command's trace read POST → append → publish → process. */
describe('CommandExecutor tracing', () => {
  let tracing: InMemoryTracing;
  let store: EventStore;
  let executor: CommandExecutor;
  let stream: string;
  const note = (key: string, extra: Partial<CommandContext> = {}) =>
    executor.execute({ stream, decider: notes, codec, command: { type: 'Note', data: { text: 'hello' } }, context: contextFor(key, extra) });

  beforeAll(() => (tracing = startInMemoryTracing()));
  afterAll(() => tracing.stop());
  beforeEach(async () => {
    tracing.reset();
    store = await createEventStore({ kind: 'sqlite', file: ':memory:' });
    executor = new CommandExecutor(store);
    stream = `notebook-${randomUUID()}`;
  });
  afterEach(() => store.close());

  it('appends inside a CLIENT span `<category> append`, child of the request span, naming the store and the stream', async () => {
    const request = tracer().startSpan('POST /notebooks/:id/notes', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () => note('key-00000001'));
    request.end();

    const append = tracing.span('notebook append');
    expect(append.kind).toBe(SpanKind.CLIENT);
    expect(append.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(append.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(append.attributes).toMatchObject({
      'db.system.name': 'sqlite',
      'db.operation.name': 'append',
      'db.collection.name': 'notebook',
      'oriental.event_store.stream': stream,
      'oriental.event_store.event_count': 1,
      'oriental.event_store.expected_revision': 'no_stream',
      'oriental.event_store.next_expected_revision': 0,
    });
  });

  it('continues the traceparent the command carries when no span is active', async () => {
    const traceId = 'a1'.repeat(16);
    await note('key-00000002', { traceparent: `00-${traceId}-${'b2'.repeat(8)}-01` });
    const append = tracing.span('notebook append');
    expect(append.spanContext().traceId).toBe(traceId);
    expect(append.parentSpanContext?.spanId).toBe('b2'.repeat(8));
  });

  it('opens no append span when a retried command is answered from the stream', async () => {
    await note('key-00000003');
    tracing.reset();
    expect((await note('key-00000003')).replayed).toBe(true);
    expect(tracing.spans().map((span) => span.name)).not.toContain('notebook append');
  });
});
