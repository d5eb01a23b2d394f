import { randomUUID } from 'node:crypto';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, CustomStrategy, EventPattern, Payload } from '@nestjs/microservices';
import { eventually } from '@oriental/testing';
import { DeadLetter } from '../dead-letters/dead-letter';
import { TransientError } from '../dead-letters/transient';
import { BusMessage, EventBus } from '../event-bus.port';
import { MessageHeaders } from '../message-headers';
import { BusBatchContext, DeliveredMessage } from '../nest/event-handler';
import { PassErrorsToTransport } from '../nest/pass-errors.filter';

/** What the contract needs from an adapter: its producing side and a Nest transport consuming from it. */
export interface EventBusUnderTest {
  bus: EventBus;
  /** Nest microservice options consuming from this bus as consumer group `groupId`. */
  consumer(groupId: string): CustomStrategy;
  /** How long a published message may take to reach a consumer. */
  deliveryTimeoutMs: number;
  /** The dead letters group `groupId` left for `topic` (Kafka: its `.dlq` topic; in-process: the event store). */
  deadLetters(topic: string, groupId: string): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export interface Received {
  topic: string;
  key: string;
  payload: { key: string; n: number };
  headers: Record<string, string>;
}

/**
 * Starts a Nest microservice whose one controller handles `topics` with `@EventPattern`, the way
 * services consume (a batch at a time), and passes every message of each batch to `onMessage`
 * in order (a rejection fails the batch's handler). `onBatch` sees each batch's lane and size.
 */
export const startConsumer = async (
  strategy: CustomStrategy,
  topics: string[],
  onMessage: (received: Received, reject: (reason: string) => void) => Promise<void> | void,
  onBatch: (batch: { lane: string; size: number }) => void = () => undefined,
): Promise<INestMicroservice> => {
  @Controller()
  class RecordingController {
    @EventPattern(topics)
    async handle(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
      onBatch({ lane: context.getLane(), size: messages.length });
      for (const message of messages) {
        const { key, headers, value } = message;
        await onMessage({ topic: context.getTopic(), key, payload: value as Received['payload'], headers }, (reason) => context.reject(message, reason));
      }
    }
  }
  @Module({ controllers: [RecordingController] })
  class ConsumerModule {}

  const app = await NestFactory.createMicroservice(ConsumerModule, { ...strategy, logger: false });
  app.useGlobalFilters(new PassErrorsToTransport());
  await app.listen();
  return app;
};

/** A message whose value says which key it belongs to and its rank `n` within that key. */
export const aMessage = (topic: string, key: string, n: number): BusMessage => ({
  topic,
  key,
  value: JSON.stringify({ key, n }),
  headers: { [MessageHeaders.eventId]: randomUUID(), [MessageHeaders.traceparent]: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` },
});

/** Unique topic and group names: Kafka keeps both between runs. */
export const unique = (name: string): string => `test.${name}.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;

/** Publishes until the bus acknowledges, as the forwarder does (it retries from its checkpoint). */
const publishUntilAcknowledged = async (bus: EventBus, messages: BusMessage[]): Promise<number> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await bus.publish(messages);
      return attempt;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};

const ranks = (received: Received[], key?: string) =>
  received.filter((message) => key === undefined || message.key === key).map((message) => message.payload.n);

/**
 * The behaviour every `EventBus` adapter, with its Nest transport, must show. Run against the
 * in-process bus (unit) and Kafka (int).
 */
export const eventBusContract = (adapter: string, setup: () => Promise<EventBusUnderTest>): void => {
  describe(`EventBus contract: ${adapter}`, () => {
    let sut: EventBusUnderTest;
    const consumers: INestMicroservice[] = [];
    const within = () => ({ timeoutMs: sut.deliveryTimeoutMs, intervalMs: 25 });

    const consume = async (
      topics: string[],
      onMessage: (received: Received, reject: (reason: string) => void) => Promise<void> | void = () => undefined,
      groupId = unique('group'),
    ) => {
      const received: Received[] = [];
      const app = await startConsumer(sut.consumer(groupId), topics, async (message, reject) => {
        let rejected = false;
        await onMessage(message, (reason) => {
          rejected = true;
          reject(reason);
        });
        if (!rejected) received.push(message);
      });
      consumers.push(app);
      return received;
    };

    beforeAll(async () => {
      sut = await setup();
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((app) => app.close()));
    });
    afterAll(() => sut?.close());

    it('delivers a published message to the @EventPattern handler: parsed JSON payload, key and headers', async () => {
      const topic = unique('delivery');
      const received = await consume([topic]);
      const message = aMessage(topic, 'beneficiary-1', 0);

      await sut.bus.publish([message]);

      await eventually(() => expect(received).toEqual([{ topic, key: 'beneficiary-1', payload: { key: 'beneficiary-1', n: 0 }, headers: message.headers }]), within());
    });

    it('keeps the order of the messages of each key', async () => {
      const topic = unique('order');
      const received = await consume([topic]);
      const keys = ['a', 'b', 'c'].map((key) => `${key}-${randomUUID()}`);
      const messages = Array.from({ length: 10 }, (_, n) => keys.map((key) => aMessage(topic, key, n))).flat();

      await sut.bus.publish(messages.slice(0, 14));
      await sut.bus.publish(messages.slice(14));

      await eventually(() => expect(received).toHaveLength(30), within());
      for (const key of keys) expect(ranks(received, key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('delivers every message to every consumer group, and each topic to its own handlers', async () => {
      const [first, second] = [unique('groups-1'), unique('groups-2')];
      const both = await consume([first, second]);
      const firstOnly = await consume([first]);

      await sut.bus.publish([aMessage(first, 'k', 0), aMessage(second, 'k', 1), aMessage(first, 'k', 2)]);

      await eventually(() => expect(ranks(both).sort()).toEqual([0, 1, 2]), within());
      await eventually(() => expect(ranks(firstOnly)).toEqual([0, 2]), within());
    });

    it('does not acknowledge a message whose handler failed: it comes again, and nothing after it is skipped', async () => {
      const topic = unique('redelivery');
      const attempts: number[] = [];
      let failed = false;
      const received = await consume([topic], ({ payload }) => {
        attempts.push(payload.n);
        if (payload.n === 2 && !failed) {
          failed = true;
          throw new TransientError('the read store is down');
        }
      });

      await publishUntilAcknowledged(
        sut.bus,
        [0, 1, 2, 3, 4].map((n) => aMessage(topic, 'one-key', n)),
      );

      await eventually(() => expect(new Set(ranks(received))).toEqual(new Set([0, 1, 2, 3, 4])), within());
      expect(attempts.filter((n) => n === 2).length).toBeGreaterThanOrEqual(2);
      // Redeliveries may repeat messages (at-least-once), but the first success of each rank
      // comes in order: 3 was not handled before 2 succeeded.
      const firstSuccesses = ranks(received).filter((n, index, all) => all.indexOf(n) === index);
      expect(firstSuccesses).toEqual([0, 1, 2, 3, 4]);
    });

    it('never dead-letters a transient failure: the message comes again until it passes', async () => {
      const topic = unique('transient');
      const group = unique('group');
      let failures = 0;
      const received = await consume(
        [topic],
        ({ payload }) => {
          if (payload.n === 1 && failures < 5) {
            failures += 1;
            throw new TransientError('the read store is restarting');
          }
        },
        group,
      );

      await publishUntilAcknowledged(sut.bus, [0, 1, 2].map((n) => aMessage(topic, 'one-key', n)));

      await eventually(() => expect(new Set(ranks(received))).toEqual(new Set([0, 1, 2])), within());
      expect(failures).toBe(5);
      expect(await sut.deadLetters(topic, group)).toEqual([]);
    });

    it('dead-letters a message the handler rejects, with the reason and its original headers, and the lane goes on', async () => {
      const topic = unique('rejected');
      const group = unique('group');
      const messages = [0, 1, 2].map((n) => aMessage(topic, 'one-key', n));
      const received = await consume(
        [topic],
        ({ payload }, reject) => {
          if (payload.n === 1) reject('invalid message: n is odd');
        },
        group,
      );

      await publishUntilAcknowledged(sut.bus, messages);

      await eventually(() => expect(ranks(received)).toEqual([0, 2]), within());
      await eventually(async () => {
        const letters = await sut.deadLetters(topic, group);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ group, key: 'one-key', value: messages[1]!.value, reason: 'invalid message: n is odd' });
        expect(letters[0]!.headers).toMatchObject(messages[1]!.headers);
      }, within());
    });

    it('dead-letters a message whose handler keeps failing after bounded retries, and delivers the rest of the lane in order', async () => {
      const topic = unique('poison');
      const group = unique('group');
      const attempts: number[] = [];
      const messages = [0, 1, 2, 3].map((n) => aMessage(topic, 'one-key', n));
      const received = await consume(
        [topic],
        ({ payload }) => {
          attempts.push(payload.n);
          if (payload.n === 2) throw new TypeError('cannot read properties of undefined');
        },
        group,
      );

      await publishUntilAcknowledged(sut.bus, messages);

      await eventually(() => expect(new Set(ranks(received))).toEqual(new Set([0, 1, 3])), within());
      const firstSuccesses = ranks(received).filter((n, index, all) => all.indexOf(n) === index);
      expect(firstSuccesses).toEqual([0, 1, 3]);
      // Bounded: the batch a few times, then the message alone a few times.
      expect(attempts.filter((n) => n === 2).length).toBeGreaterThanOrEqual(2);
      expect(attempts.filter((n) => n === 2).length).toBeLessThanOrEqual(10);
      await eventually(async () => {
        const letters = await sut.deadLetters(topic, group);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({ value: messages[2]!.value, reason: expect.stringContaining('cannot read properties of undefined') });
      }, within());
    });

    it('hands a handler whole batches of one lane, in order', async () => {
      const topic = unique('batches');
      const batches: { lane: string; size: number }[] = [];
      const received: Received[] = [];
      consumers.push(await startConsumer(sut.consumer(unique('group')), [topic], (message) => void received.push(message), (batch) => void batches.push(batch)));
      const messages = Array.from({ length: 50 }, (_, n) => aMessage(topic, 'one-key', n));

      await sut.bus.publish(messages);

      await eventually(() => expect(ranks(received)).toEqual(messages.map((_, n) => n)), within());
      // Fifty messages of one key published at once are not handed over one by one.
      expect(batches.length).toBeLessThan(messages.length);
      expect(new Set(batches.map(({ lane }) => lane)).size).toBe(1);
      expect(batches[0]!.lane).toContain(topic);
    });

    it('acknowledges an empty publish at once', async () => {
      await expect(sut.bus.publish([])).resolves.toBeUndefined();
    });

    it('reports its health', async () => {
      await expect(sut.bus.health()).resolves.toMatchObject({ status: 'up', kind: sut.bus.kind });
    });
  });
};
