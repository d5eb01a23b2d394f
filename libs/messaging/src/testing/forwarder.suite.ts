import { randomUUID } from 'node:crypto';
import { LogPosition } from '@oriental/contracts';
import type { CheckpointStore, EventStore, SubscribeToAllOptions } from '@oriental/event-store';
import { eventually } from '@oriental/testing';
import { BusMessage, EventBus } from '../event-bus.port';
import { Forwarder, ForwarderOptions } from '../forwarder/forwarder';
import { MessageHeaders } from '../message-headers';
import { FlakyBus, RecordingBus, anEvent, publishAllTo } from './builders';

export interface LogUnderTest {
  store: EventStore;
  checkpoints: CheckpointStore;
  close(): Promise<void>;
}

const TOPIC = 'test.forwarded.v1';
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A bus whose acknowledgements the test hands out one by one. */
class GatedBus extends RecordingBus {
  private gates: (() => void)[] = [];
  override async publish(messages: readonly BusMessage[]): Promise<void> {
    await new Promise<void>((resolve) => this.gates.push(resolve));
    await super.publish(messages);
  }
  get waiting(): number {
    return this.gates.length;
  }
  acknowledge(): void {
    this.gates.shift()?.();
  }
}

/**
 * The store, seen through a window: where each subscription started, and every position it
 * reported passing without events of the followed categories.
 */
const watching = (store: EventStore) => {
  const seen = { startedAfter: [] as (LogPosition | undefined)[], passed: [] as LogPosition[] };
  const subscribeToAll = (options: SubscribeToAllOptions) => {
    seen.startedAfter.push(options.after);
    return store.subscribeToAll({
      ...options,
      onCheckpoint: async (position) => {
        seen.passed.push(position);
        await options.onCheckpoint?.(position);
      },
    });
  };
  const watched: EventStore = Object.create(store, { subscribeToAll: { value: subscribeToAll } });
  return { watched, seen };
};

/**
 * How a forwarder must behave over any event store: run over a fake log (unit) and the real
 * SQLite store (int).
 */
export const forwarderSuite = (storeName: string, setup: () => Promise<LogUnderTest>): void => {
  describe(`Forwarder over ${storeName}`, () => {
    let log: LogUnderTest;
    const forwarders: Forwarder[] = [];

    const forwarder = (bus: EventBus, overrides: Partial<ForwarderOptions> = {}) => {
      const started = new Forwarder({
        name: 'test-forwarder',
        store: log.store,
        checkpoints: log.checkpoints,
        bus,
        streamPrefixes: ['forwarded-'],
        toMessage: publishAllTo(TOPIC),
        retryDelayMs: 5,
        maxRetryDelayMs: 20,
        logger: quietLogger,
        ...overrides,
      });
      forwarders.push(started);
      return started;
    };

    /** Appends `count` events to one stream of the forwarded category; answers their ids. */
    const append = async (count: number, stream = `forwarded-${randomUUID()}`) => {
      const events = Array.from({ length: count }, () => anEvent());
      await log.store.appendToStream(stream, events, { expectedRevision: 'any' });
      return events.map((event) => event.id);
    };
    const ids = (messages: BusMessage[]) => messages.map((message) => message.headers[MessageHeaders.eventId]);
    const checkpoint = () => log.checkpoints.load('test-forwarder');
    const lastPosition = async (): Promise<LogPosition> => {
      const { events } = await log.store.readAll({ maxCount: 10_000 });
      return events[events.length - 1].position;
    };
    /** Appends `count` events to a stream of a category the forwarder does not follow. */
    const appendElsewhere = (count: number) =>
      log.store.appendToStream(
        `other-${randomUUID()}`,
        Array.from({ length: count }, () => anEvent()),
        { expectedRevision: 'any' },
      );

    beforeEach(async () => {
      log = await setup();
    });
    afterEach(async () => {
      await Promise.all(forwarders.splice(0).map((started) => started.stop()));
      await log.close();
    });

    it('publishes every event of its streams, in log order, and stores the last position as checkpoint', async () => {
      const bus = new RecordingBus();
      const first = await append(3);
      await log.store.appendToStream(`other-${randomUUID()}`, [anEvent()], { expectedRevision: 'any' });
      const second = await append(2);

      await forwarder(bus).start();

      await eventually(() => expect(ids(bus.messages)).toEqual([...first, ...second]));
      await eventually(async () => expect(await checkpoint()).toBe(await lastPosition()));
      const followed = await append(1);
      await eventually(() => expect(ids(bus.messages)).toEqual([...first, ...second, ...followed]));
    });

    it('stores the checkpoint only after the bus acknowledged', async () => {
      const bus = new GatedBus();
      await append(2);
      await forwarder(bus).start();

      await eventually(() => expect(bus.waiting).toBe(1));
      expect(await checkpoint()).toBeUndefined();

      bus.acknowledge();
      await eventually(async () => expect(await checkpoint()).toBe(await lastPosition()));
    });

    it('loses and skips nothing when the bus fails: retries from the checkpoint until acknowledged', async () => {
      const broker = new RecordingBus();
      const bus = new FlakyBus(broker, 0);
      const recorded = broker.messages;
      const started = forwarder(bus);
      const before = await append(3);
      await started.start();
      await eventually(() => expect(ids(recorded)).toEqual(before));

      bus.failures = 3;
      const during = await append(4);

      await eventually(() => expect(ids(recorded)).toEqual([...before, ...during]));
      expect(bus.attempts.length).toBeGreaterThanOrEqual(2 + 3);
      expect(started.status()).toMatchObject({ running: true, consecutiveFailures: 0, published: 7 });
      expect(started.status().lastError).toBeUndefined();
    });

    it('republishes a batch whose checkpoint could not be stored (at-least-once)', async () => {
      const bus = new RecordingBus();
      let saveFailures = 1;
      const checkpoints: CheckpointStore = {
        load: (name) => log.checkpoints.load(name),
        save: async (name, position) => {
          if (saveFailures-- > 0) throw new Error('disk full');
          await log.checkpoints.save(name, position);
        },
      };
      const events = await append(2);

      await forwarder(bus, { checkpoints }).start();

      await eventually(() => expect(ids(bus.messages)).toEqual([...events, ...events]));
      await eventually(async () => expect(await checkpoint()).toBe(await lastPosition()));
    });

    it('resumes from its checkpoint after a restart, publishing only what came after', async () => {
      const bus = new RecordingBus();
      const beforeRestart = await append(3);
      const first = forwarder(bus);
      await first.start();
      await eventually(() => expect(ids(bus.messages)).toEqual(beforeRestart));
      await first.stop();

      const whileDown = await append(2);
      await forwarder(bus).start();

      await eventually(() => expect(ids(bus.messages)).toEqual([...beforeRestart, ...whileDown]));
    });

    it('on stop, waits for the batch in flight and keeps its checkpoint', async () => {
      const bus = new GatedBus();
      await append(2);
      const started = forwarder(bus);
      await started.start();
      await eventually(() => expect(bus.waiting).toBe(1));

      let stopped = false;
      const stopping = started.stop().then(() => (stopped = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stopped).toBe(false);

      bus.acknowledge();
      await stopping;
      expect(await checkpoint()).toBe(await lastPosition());
      expect(started.status()).toMatchObject({ running: false, lastPosition: await lastPosition(), published: 2 });
    });

    it('skips events mapped to null but still moves the checkpoint past them', async () => {
      const bus = new RecordingBus();
      const [kept, internal] = [anEvent(), anEvent({ type: 'SomethingInternal' })];
      await log.store.appendToStream(`forwarded-${randomUUID()}`, [kept, internal], { expectedRevision: 'any' });

      await forwarder(bus, { toMessage: (event) => (event.type === 'SomethingInternal' ? null : publishAllTo(TOPIC)(event)) }).start();

      await eventually(async () => expect(await checkpoint()).toBe(await lastPosition()));
      expect(ids(bus.messages)).toEqual([kept.id]);
    });

    it('retries, never skips, an event whose mapping throws', async () => {
      const bus = new RecordingBus();
      let mappingFailures = 2;
      const events = await append(2);

      const started = forwarder(bus, {
        toMessage: (event) => {
          if (mappingFailures-- > 0) throw new Error('no contract for this version yet');
          return publishAllTo(TOPIC)(event);
        },
      });
      await started.start();

      await eventually(() => expect(ids(bus.messages)).toEqual(events));
      expect(started.status().consecutiveFailures).toBe(0);
    });

    it('publishes a backlog in whole batches: one publish for up to maxBatchSize events', async () => {
      const broker = new RecordingBus();
      const bus = new FlakyBus(broker, 0);
      const events = await append(300);

      await forwarder(bus).start();

      await eventually(() => expect(ids(broker.messages)).toEqual(events));
      expect(bus.attempts.map((batch) => batch.length)).toEqual([300]);
    });

    it('after a quiet spell of other categories, stores the position it passed, and a restart starts there', async () => {
      const bus = new RecordingBus();
      const forwarded = await append(2);
      const first = forwarder(bus, { checkpointIntervalMs: 0 });
      await first.start();
      await eventually(() => expect(ids(bus.messages)).toEqual(forwarded));

      await appendElsewhere(30);
      const quietEnd = await lastPosition();
      await eventually(async () => expect(await checkpoint()).toBe(quietEnd));
      await first.stop();

      const later = await append(1);
      const { watched, seen } = watching(log.store);
      await forwarder(bus, { store: watched }).start();

      await eventually(() => expect(ids(bus.messages)).toEqual([...forwarded, ...later]));
      expect(seen.startedAfter).toEqual([quietEnd]);
    });

    it('stores a passed position at most every checkpointIntervalMs, and the last one on stop', async () => {
      const bus = new RecordingBus();
      const { watched, seen } = watching(log.store);
      await append(1);
      const started = forwarder(bus, { store: watched, checkpointIntervalMs: 60_000 });
      await started.start();
      const forwardedAt = await lastPosition();
      await eventually(async () => expect(await checkpoint()).toBe(forwardedAt));

      await appendElsewhere(10);
      const quietEnd = await lastPosition();
      await eventually(() => expect(seen.passed[seen.passed.length - 1]).toBe(quietEnd));
      expect(await checkpoint()).toBe(forwardedAt);

      await started.stop();
      expect(await checkpoint()).toBe(quietEnd);
    });

    it('puts the event identity and the trace context of the appending request in the headers', async () => {
      const bus = new RecordingBus();
      const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
      const event = anEvent({ metadata: { traceparent, tracestate: 'cells=oujda' } as never });
      await log.store.appendToStream(`forwarded-${randomUUID()}`, [event], { expectedRevision: 'any' });

      await forwarder(bus).start();

      await eventually(() => expect(bus.messages).toHaveLength(1));
      const [message] = bus.messages;
      expect(message.headers).toMatchObject({
        [MessageHeaders.eventId]: event.id,
        [MessageHeaders.eventType]: event.type,
        [MessageHeaders.schemaVersion]: '1',
        [MessageHeaders.tracestate]: 'cells=oujda',
      });
      // With no tracer registered the context passes through unchanged; with one, the producer
      // span of the same trace replaces the parent id (see trace-propagation.unit.spec.ts).
      expect(message.headers[MessageHeaders.traceparent]).toBe(traceparent);
      expect(message.key).toBe(event.metadata.beneficiaryId);
      expect(JSON.parse(message.value)).toMatchObject({ id: event.id, type: event.type, beneficiaryId: event.metadata.beneficiaryId });
    });
  });
};
