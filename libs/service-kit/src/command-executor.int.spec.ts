import { randomUUID } from 'node:crypto';
import { StoredEvent } from '@oriental/contracts';
import { Decider, DomainCommand, DomainEvent, IllegalState } from '@oriental/domain-kit';
import { createEventStore, EventStore } from '@oriental/event-store';
import { CommandContext, requestHash } from './command-context';
import { CommandExecutor, EventCodec } from './command-executor';
import { IdempotencyKeyReused, StaleRevision } from './errors';

// A counter: the smallest decider that has state, a rule and more than one command.
type Incremented = DomainEvent<'Incremented', { by: number }>;
type Increment = DomainCommand<'Increment', { by: number; max: number }>;
const counter: Decider<Increment, Incremented, number> = {
  initialState: 0,
  evolve: (total, event) => total + event.data.by,
  decide: (command, total) => {
    if (total + command.data.by > command.data.max) throw new IllegalState('COUNTER_FULL', 'too much');
    return [{ type: 'Incremented', data: { by: command.data.by } }];
  },
};
const codec: EventCodec<Incremented> = {
  encode: async (event) => ({ type: event.type, schemaVersion: 1, data: event.data }),
  decode: async (stored: StoredEvent) => ({ type: 'Incremented', data: stored.data as { by: number } }),
};

const contextFor = (key: string, body: unknown, extra: Partial<CommandContext> = {}): CommandContext => ({
  idempotencyKey: key,
  requestHash: requestHash('POST', '/counters/:id/increments', body),
  actor: 'agent:test',
  correlationId: randomUUID(),
  causationId: `http:${key}`,
  now: new Date('2026-07-15T09:30:00.000Z'),
  ...extra,
});

describe('CommandExecutor', () => {
  let store: EventStore;
  let executor: CommandExecutor;
  let stream: string;
  const increment = (by: number, key: string = randomUUID(), extra: Partial<CommandContext> = {}) =>
    executor.execute({
      stream,
      decider: counter,
      codec,
      command: { type: 'Increment', data: { by, max: 100 } },
      context: contextFor(key, { by }, extra),
    });

  beforeEach(async () => {
    store = await createEventStore({ kind: 'sqlite', file: ':memory:' });
    executor = new CommandExecutor(store);
    stream = `counter-${randomUUID()}`;
  });
  afterEach(() => store.close());

  it('appends what the decider decided, with the command context in every event', async () => {
    const outcome = await increment(2, 'key-0001');
    expect(outcome).toMatchObject({ revision: 0, replayed: false, state: 2 });
    const [event] = await store.readStream(stream);
    expect(event!.metadata).toMatchObject({ actor: 'agent:test', occurredAt: '2026-07-15T09:30:00.000Z', idempotencyKey: 'key-0001' });
  });

  it('answers a retry from the stream without deciding again', async () => {
    await increment(2, 'key-0001');
    const retry = await increment(2, 'key-0001');
    expect(retry).toMatchObject({ revision: 0, replayed: true, events: [{ type: 'Incremented', data: { by: 2 } }], state: 2 });
    expect(await store.readStream(stream)).toHaveLength(1);
    // The state after the command, with what came after it in the stream: the caller need not read it again.
    await increment(3, 'key-0002');
    expect(await increment(2, 'key-0001')).toMatchObject({ replayed: true, state: 5 });
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('refuses a key reused for another request', async () => {
    await increment(2, 'key-0001');
    await expect(increment(3, 'key-0001')).rejects.toBeInstanceOf(IdempotencyKeyReused);
  });

  it('appends when If-Match names the current revision, and answers 412 when it does not', async () => {
    await increment(1);
    await expect(increment(1, randomUUID(), { expectedRevision: 0 })).resolves.toMatchObject({ revision: 1 });
    await expect(increment(1, randomUUID(), { expectedRevision: 0 })).rejects.toBeInstanceOf(StaleRevision);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('decides again on the new state when a concurrent writer got there first', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => increment(1)));
    expect(outcomes.map((o) => o.revision).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { state } = await executor.load(stream, counter, codec);
    expect(state).toBe(10);
  });

  it('lets a broken rule through and appends nothing', async () => {
    await expect(
      executor.execute({ stream, decider: counter, codec, command: { type: 'Increment', data: { by: 5, max: 3 } }, context: contextFor('key-0002', {}) }),
    ).rejects.toMatchObject({ code: 'COUNTER_FULL' });
    expect(await store.readStream(stream)).toEqual([]);
  });
});
