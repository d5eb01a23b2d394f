import { randomUUID } from 'node:crypto';
import { LogPosition, StoredEvent } from '@oriental/contracts';
import type { CheckpointStore, EventStore, SubscribeToAllOptions } from '@oriental/event-store';
import { eventually } from '@oriental/testing';
import { BusMessage, EventBus } from '../event-bus.port';
import { HeldItems } from '../dead-letters/held-items';
import { Forwarder, ForwarderOptions, ParkedEvent, parkedEventsStream } from '../forwarder/forwarder';
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

    describe('an event whose mapping throws (a poison event)', () => {
      /** A mapping that cannot map the events listed in `poison`, as a missing contract would. */
      const poisoned = (poison: Set<string>) => (event: StoredEvent) => {
        if (poison.has(event.id)) throw new Error('no contract for this version yet');
        return publishAllTo(TOPIC)(event);
      };
      const parking = (name = 'test-forwarder') => new HeldItems<ParkedEvent>(log.store, parkedEventsStream(name), 'operator');

      it('is parked with its position and reason; the rest of the log flows, and later events of its stream wait behind it', async () => {
        const bus = new RecordingBus();
        const stream = `forwarded-${randomUUID()}`;
        const [before, poison, behind] = await append(3, stream);
        const other = await append(2);
        const started = forwarder(bus, { toMessage: poisoned(new Set([poison!])) });
        await started.start();

        await eventually(() => expect(ids(bus.messages)).toEqual([before, ...other]));
        await eventually(() => expect(started.status()).toMatchObject({ parked: 2, consecutiveFailures: 0 }));
        const parked = await started.parked();
        expect(parked.map(({ id, state }) => [id, state])).toEqual([
          [poison, 'held'],
          [behind, 'held'],
        ]);
        expect(parked[0]).toMatchObject({ reason: expect.stringContaining('no contract for this version yet'), item: { stream, revision: 1 } });
        expect(parked[0]!.item.position).toEqual(expect.any(String));
        expect(parked[1]).toMatchObject({ item: { stream, revision: 2, waitingBehind: poison } });
      });

      it('is published once replayed with a mapping that works, followed by the events that waited behind it, in order', async () => {
        const bus = new RecordingBus();
        const poison = new Set<string>();
        const stream = `forwarded-${randomUUID()}`;
        const [first, second, third] = await append(3, stream);
        poison.add(second!);
        const started = forwarder(bus, { toMessage: poisoned(poison), parkingPollIntervalMs: 10 });
        await started.start();
        await eventually(() => expect(started.status().parked).toBe(2));

        // The waiting one cannot go first: a request on it waits for the one it waits behind.
        await parking().request(third!, 'replay', 'operator');
        poison.clear(); // the mapping is fixed (a new release)
        await parking().request(second!, 'replay', 'operator');

        await eventually(() => expect(ids(bus.messages)).toEqual([first, second, third]));
        await eventually(async () => expect((await parking().poll()).map(({ state }) => state)).toEqual(['replayed', 'replayed']));
        expect(started.status().parked).toBe(0);
      });

      it('stays parked, with the new reason, when its replay still cannot map it', async () => {
        const bus = new RecordingBus();
        const [poison] = await append(1);
        const started = forwarder(bus, { toMessage: poisoned(new Set([poison!])), parkingPollIntervalMs: 10 });
        await started.start();
        await eventually(() => expect(started.status().parked).toBe(1));

        await parking().request(poison!, 'replay', 'operator');

        await eventually(async () => expect((await parking().poll())[0]).toMatchObject({ state: 'held', reason: expect.stringContaining('no contract') }));
        expect(bus.messages).toEqual([]);
        expect(started.status().parked).toBe(1);
      });

      it('once discarded, lets the events that waited behind it go', async () => {
        const bus = new RecordingBus();
        const stream = `forwarded-${randomUUID()}`;
        const [poison, behind] = await append(2, stream);
        const started = forwarder(bus, { toMessage: poisoned(new Set([poison!])), parkingPollIntervalMs: 10 });
        await started.start();
        await eventually(() => expect(started.status().parked).toBe(2));

        await parking().request(poison!, 'discard', 'operator');

        await eventually(() => expect(ids(bus.messages)).toEqual([behind]));
        expect((await parking().poll()).map(({ state }) => state)).toEqual(['discarded', 'replayed']);
        expect(started.status().parked).toBe(0);
      });

      it('is still parked, and still holds its stream, after a restart', async () => {
        const bus = new RecordingBus();
        const stream = `forwarded-${randomUUID()}`;
        const [poison] = await append(1, stream);
        const first = forwarder(bus, { toMessage: poisoned(new Set([poison!])) });
        await first.start();
        await eventually(() => expect(first.status().parked).toBe(1));
        await first.stop();

        const [later] = await append(1, stream);
        const second = forwarder(bus, { toMessage: poisoned(new Set([poison!])) });
        await second.start();

        await eventually(() => expect(second.status().parked).toBe(2));
        expect((await second.parked()).map(({ id }) => id)).toEqual([poison, later]);
        expect(bus.messages).toEqual([]);
      });
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
