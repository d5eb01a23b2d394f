import { randomUUID } from 'node:crypto';
import { INestMicroservice } from '@nestjs/common';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { InMemoryTracing, currentTraceContext, startInMemoryTracing, tracer } from '@oriental/telemetry';
import { describeWithInfra, eventually } from '@oriental/testing';
import { Admin, Kafka } from 'kafkajs';
import { Forwarder } from '../forwarder/forwarder';
import { MessageHeaders } from '../message-headers';
import { TransientError } from '../dead-letters/transient';
import { KafkaDeadLetterQueue } from './kafka-dead-letter-queue';
import { anEvent, publishAllTo } from '../testing/builders';
import { InMemoryEventLog } from '../testing/in-memory-event-log';
import { Received, aMessage, eventBusContract, startConsumer, unique } from '../testing/messaging.contract';
import { kafkaMicroserviceOptions } from './committing-kafka-server';
import { KafkaEventBus } from './kafka-event-bus';

jest.setTimeout(120_000);

describeWithInfra('kafka', 'Kafka event bus and committing consumer', (url) => {
  const brokers = url.split(',').map((broker) => broker.trim());
  // kafkajs logs (JSON lines) stay out of the test output, since the failing-handler specs make
  // it log errors on purpose; KAFKA_TEST_LOGS=1 prints them.
  const writeLog = process.env.KAFKA_TEST_LOGS ? (line: string) => void process.stderr.write(`${line}\n`) : () => undefined;
  const connection = (clientId: string) => ({ brokers, clientId, writeLog });
  // The broker may be shared and busy: generous delivery timeouts, and a short session so a
  // consumer that failed to leave its group holds the next one up for 10 s, not 30.
  const consumerOptions = (groupId: string) => kafkaMicroserviceOptions({ ...connection('test-consumer'), groupId, sessionTimeoutMs: 10_000, retryDelayMs: 50 });
  const within = { timeoutMs: 45_000 };

  eventBusContract('kafka', async () => {
    const bus = new KafkaEventBus(connection('test-contract-producer'));
    await bus.connect();
    const queue = new KafkaDeadLetterQueue(connection('test-dlq'));
    return {
      bus,
      consumer: consumerOptions,
      deliveryTimeoutMs: within.timeoutMs,
      deadLetters: async (topic, groupId) =>
        (await queue.list()).map(({ letter }) => letter).filter((letter) => letter.topic === topic && letter.group === groupId),
      close: () => bus.close(),
    };
  });

  describe('Kafka specifics', () => {
    let bus: KafkaEventBus;
    let admin: Admin;
    const consumers: INestMicroservice[] = [];

    const consume = async (groupId: string, topic: string, onMessage: (received: Received) => void | Promise<void> = () => undefined) => {
      const received: Received[] = [];
      const app = await startConsumer(consumerOptions(groupId), [topic], async (message) => {
        await onMessage(message);
        received.push(message);
      });
      consumers.push(app);
      return { received, app };
    };
    /** The group's committed offset on the partition holding `key` (all these specs use one key). */
    const committed = async (groupId: string, topic: string): Promise<number> => {
      const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return Math.max(...partitions.map(({ offset }) => Number(offset)));
    };
    const ranks = (received: Received[]) => received.map(({ payload }) => payload.n);

    beforeAll(async () => {
      bus = new KafkaEventBus(connection('test-producer'));
      await bus.connect();
      admin = new Kafka({ brokers, clientId: 'test-admin', logLevel: 0 }).admin();
      await admin.connect();
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((app) => app.close()));
    });
    afterAll(async () => {
      await admin?.disconnect();
      await bus?.close();
    });

    it('creates a new topic on first publish, and keeps what it acknowledged: a group started after the producer closed reads it all', async () => {
      const topic = unique('durable');
      const producer = new KafkaEventBus(connection('test-short-lived-producer'));
      await producer.connect();
      await producer.publish([0, 1, 2].map((n) => aMessage(topic, 'k', n)));
      await producer.close();

      const { received } = await consume(unique('late-group'), topic);

      await eventually(() => expect(ranks(received)).toEqual([0, 1, 2]), within);
    });

    it('commits the offsets of a batch only after its handler succeeded, redelivering the batch until it does', async () => {
      const [topic, groupId] = [unique('commit'), unique('commit-group')];
      let failing = true;
      const attempts: number[] = [];
      const { received } = await consume(groupId, topic, ({ payload }) => {
        attempts.push(payload.n);
        if (payload.n === 1 && failing) throw new TransientError('the read store is down');
      });

      await bus.publish([0, 1, 2].map((n) => aMessage(topic, 'one-key', n)));

      // The three arrive as one batch; message 1 keeps failing it: nothing is committed, message 2
      // is never handled, and message 0 comes again with each redelivery.
      await eventually(() => expect(attempts.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2), within);
      expect(new Set(ranks(received))).toEqual(new Set([0]));
      expect(await committed(groupId, topic)).toBeLessThanOrEqual(0);

      failing = false;
      await eventually(() => expect(ranks(received).slice(-3)).toEqual([0, 1, 2]), within);
      await eventually(async () => expect(await committed(groupId, topic)).toBe(3), { timeoutMs: 10_000 });
    });

    it('replays a dead letter to its source topic, in a lane of its own, and marks it; a discarded one is only marked', async () => {
      const [topic, groupId] = [unique('replay'), unique('replay-group')];
      let fixed = false;
      const lanes: string[] = [];
      const received: Received[] = [];
      consumers.push(
        await startConsumer(
          consumerOptions(groupId),
          [topic],
          (message, reject) => {
            if (message.payload.n > 0 && !fixed) return reject('invalid message: not yet');
            received.push(message);
          },
          ({ lane }) => lanes.push(lane),
        ),
      );
      const messages = [0, 1, 2].map((n) => aMessage(topic, 'one-key', n));
      await bus.publish(messages);
      const queue = new KafkaDeadLetterQueue(connection('test-dlq-operator'));
      const held = async () => (await queue.list()).filter(({ letter }) => letter.topic === topic);
      await eventually(async () => expect((await held()).map(({ state }) => state)).toEqual(['held', 'held']), within);
      const [toReplay, toDiscard] = await held();

      fixed = true;
      await queue.replay(toReplay!.id, 'operator:spec');
      await queue.discard(toDiscard!.id, 'operator:spec');

      await eventually(() => expect(ranks(received)).toEqual([0, 1]), within);
      expect(received[1]!.headers['dlq-replay-of']).toBe(toReplay!.id);
      expect(lanes).toContain(`${topic}#${toReplay!.letter.partition}~replay:${toReplay!.id}`);
      expect((await held()).map(({ state, resolvedBy }) => [state, resolvedBy])).toEqual([
        ['replayed', 'operator:spec'],
        ['discarded', 'operator:spec'],
      ]);
      await expect(queue.replay(toReplay!.id, 'operator:spec')).rejects.toThrow(/already replayed/);
      await expect(queue.discard(`${topic}.dlq/0:999`, 'operator:spec')).rejects.toThrow(/no dead letter/);
    });

    it('does not redeliver committed messages after the consumer restarts with the same group', async () => {
      const [topic, groupId] = [unique('restart'), unique('restart-group')];
      const first = await consume(groupId, topic);
      await bus.publish([0, 1, 2, 3].map((n) => aMessage(topic, 'one-key', n)));
      await eventually(() => expect(ranks(first.received)).toEqual([0, 1, 2, 3]), within);
      await first.app.close();

      await bus.publish([4, 5].map((n) => aMessage(topic, 'one-key', n)));
      const second = await consume(groupId, topic);

      await eventually(() => expect(ranks(second.received)).toEqual([4, 5]), within);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(ranks(second.received)).toEqual([4, 5]);
    });

    it('on close, lets the message in hand finish and commits it before leaving the group', async () => {
      const [topic, groupId] = [unique('drain'), unique('drain-group')];
      let started!: () => void;
      const handling = new Promise<void>((resolve) => (started = resolve));
      const first = await consume(groupId, topic, async () => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 500));
      });
      await bus.publish([aMessage(topic, 'one-key', 0)]);
      await handling;

      await first.app.close();

      expect(ranks(first.received)).toEqual([0]);
      expect(await committed(groupId, topic)).toBe(1);
    });

    it('reports health: up with the cluster, down within its timeout when no broker answers', async () => {
      await expect(bus.health()).resolves.toMatchObject({ status: 'up', kind: 'kafka', details: { brokers: expect.any(Number) } });

      const nowhere = new KafkaEventBus({
        brokers: ['127.0.0.1:1'],
        clientId: 'test-nowhere',
        healthTimeoutMs: 1_000,
        retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
        writeLog: () => undefined,
      });
      const started = Date.now();
      await expect(nowhere.health()).resolves.toMatchObject({ status: 'down', kind: 'kafka' });
      expect(Date.now() - started).toBeLessThan(3_000);
      await nowhere.close();
    });

    describe('with tracing on', () => {
      let tracing: InMemoryTracing;
      beforeAll(() => (tracing = startInMemoryTracing()));
      afterAll(() => tracing.stop());

      it('carries the appending request trace through the forwarder and Kafka to the consumer span', async () => {
        const [topic, groupId] = [unique('traced'), unique('traced-group')];
        const log = new InMemoryEventLog();
        const { received } = await consume(groupId, topic);
        const forwarder = new Forwarder({
          name: 'traced',
          store: log,
          checkpoints: log,
          bus,
          streamPrefixes: ['beneficiary-'],
          toMessage: publishAllTo(topic),
          logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
        });
        await forwarder.start();

        const request = tracer().startSpan('POST /beneficiaries', { kind: SpanKind.SERVER });
        const event = anEvent({ metadata: context.with(trace.setSpan(context.active(), request), () => currentTraceContext()) as never });
        await log.appendToStream(`beneficiary-${randomUUID()}`, [event], { expectedRevision: 'no_stream' });
        request.end();

        await eventually(() => expect(received).toHaveLength(1), within);
        await forwarder.stop();
        const { traceId } = request.spanContext();
        const producer = tracing.span(`${topic} publish`);
        const consumerSpan = tracing.span(`${topic} process`);
        expect(received[0].headers).toMatchObject({
          [MessageHeaders.eventId]: event.id,
          [MessageHeaders.traceparent]: `00-${traceId}-${producer.spanContext().spanId}-01`,
        });
        expect(received[0].key).toBe(event.metadata.beneficiaryId);
        expect(producer.attributes).toMatchObject({ 'messaging.system': 'kafka' });
        expect(consumerSpan.spanContext().traceId).toBe(traceId);
        expect(consumerSpan.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
        expect(consumerSpan.attributes).toMatchObject({
          'messaging.system': 'kafka',
          'messaging.consumer.group.name': groupId,
          'messaging.message.id': event.id,
          'messaging.batch.message_count': 1,
        });
      });
    });
  });
});
