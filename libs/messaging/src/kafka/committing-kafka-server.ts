import { CustomStrategy, MessageHandler, ServerKafka } from '@nestjs/microservices';
import type { Consumer as NestKafkaConsumer } from '@nestjs/microservices/external/kafka.interface';
import { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DeadLetter, DeadLetterHeaders, deadLetterTopic } from '../dead-letters/dead-letter';
import { deliverWithDeadLetters, Incoming } from '../dead-letters/deliver';
import { countDeadLetters } from '../dead-letters/metrics';
import { MessagingAttributes } from '../message-headers';
import { BatchContext, DeliveredMessage, parseMessageValue, Rejection } from '../nest/event-handler';
import { processBatch } from '../nest/process-batch';
import { KafkaConnectionOptions, TopicSettings, ensureTopics, kafkaClientConfig } from './kafka-config';

export interface CommittingKafkaServerOptions extends KafkaConnectionOptions, TopicSettings {
  /** The consumer group, used as given (Nest's `-server` suffix is not appended). */
  groupId: string;
  /** Where a new group starts reading: the beginning of each topic (default), or only new messages. */
  fromBeginning?: boolean;
  /** Create the subscribed topics when missing (default true), so consumers may start before producers. */
  createTopics?: boolean;
  /**
   * Kafka session timeout (default 10 s, heartbeats every 3 s): how long a silent consumer keeps
   * its partitions, so how long a crashed member's partitions wait before another takes them.
   */
  sessionTimeoutMs?: number;
  /** Attempts of a failing batch, then of each of its messages, before a dead letter (default 3). */
  attempts?: number;
  retryDelayMs?: number;
}

/** Largest batch handed to a handler at once: a fetched batch is cut into chunks of this size. */
const MAX_HANDLER_BATCH = 500;

/**
 * Nest's Kafka server, changed to hand `@EventPattern` handlers whole batches and to commit a
 * batch's offsets only once the handler has stored its effect.
 *
 * Nest's `ServerKafka` (11.2) handles one message at a time and leaves commits to kafkajs'
 * auto-commit. Here the consumer runs `eachBatch` with `autoCommit: false`, and for each chunk
 * (at most 500 messages of one partition, in order):
 *
 * 1. decodes the messages (key and headers as text, value parsed as JSON) and calls the handler
 *    once with them (`DeliveredMessage[]`, `@Ctx()` a `BatchContext` whose lane is the
 *    topic and partition) inside one CONSUMER span `<topic> process` (see `processBatch`);
 * 2. on success, resolves and commits the last offset + 1 (Kafka's committed offset is the next
 *    one to read), one commit per chunk instead of one per message, and heartbeats;
 * 3. on a TRANSIENT failure (a server away), throws from `eachBatch`: nothing of the chunk is
 *    resolved, so kafkajs fetches again from the first unhandled offset after a backoff
 *    (redelivery; later messages of the partition wait, so order is kept), and after its
 *    retries restarts the consumer, which resumes from the last committed offset;
 * 4. a message the handler rejects (`ctx.reject`: it fails its contract), or that keeps failing
 *    otherwise after bounded retries, is produced to `<topic>.dlq` with its key, value and
 *    headers as received plus `dlq-*` headers saying why and where from, and the partition goes
 *    on (`deliverWithDeadLetters`). The offset is committed only after the dead letter is
 *    acknowledged by the broker.
 *
 * `close` pauses fetching and lets the chunk in hand finish and commit before leaving the group
 * (kafkajs ignores commits once `disconnect` has begun).
 *
 * Only `@EventPattern` is served; request/reply over Kafka is not (kafkajs is in maintenance
 * mode, and commands go over HTTP), so no reply producer is created, and the group id is used as
 * given (no `-server` suffix).
 */
export class CommittingKafkaServer extends ServerKafka {
  private kafkaConsumer: Consumer | null = null;
  /** Produces dead letters to `<topic>.dlq`. */
  private deadLetterProducer: Producer | null = null;
  private topics: string[] = [];
  /** The chunk being handled, awaited on close so it is committed before leaving. */
  private inFlight?: Promise<void>;
  private closing = false;

  constructor(private readonly settings: CommittingKafkaServerOptions) {
    super({
      client: kafkaClientConfig(settings) as never,
      consumer: { groupId: settings.groupId },
      postfixId: '',
    });
  }

  /** Connects a consumer only (no reply producer), subscribes and runs it. */
  override async start(callback: () => void): Promise<void> {
    const kafka = this.client as unknown as Kafka;
    this.kafkaConsumer = kafka.consumer({
      groupId: this.settings.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 5 },
    });
    this.consumer = this.kafkaConsumer as unknown as NestKafkaConsumer;
    this.registerConsumerEventListeners();
    this.deadLetterProducer = kafka.producer({ allowAutoTopicCreation: false, retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 5 } });
    await this.deadLetterProducer.connect();
    await this.kafkaConsumer.connect();
    await this.bindEvents(this.consumer);
    callback();
  }

  override async bindEvents(_consumer: NestKafkaConsumer): Promise<void> {
    const consumer = this.requireConsumer();
    const topics = [...this.messageHandlers]
      .filter(([topic, handler]) => {
        if (!handler.isEventHandler) this.logger.warn(`${topic}: request/reply (@MessagePattern) is not served over Kafka; use @EventPattern`);
        return handler.isEventHandler;
      })
      .map(([topic]) => topic);
    if (topics.length === 0) {
      this.logger.warn(`consumer group ${this.settings.groupId} has no @EventPattern handler: not consuming`);
      return;
    }
    // Handlers are registered under logical names; the wire names carry the prefix.
    this.topics = topics.map((topic) => this.prefix + topic);
    // The dead-letter topics too, so that `npm run dlq` finds them before anything failed.
    if (this.settings.createTopics ?? true) await this.createTopics([...this.topics, ...this.topics.map(deadLetterTopic)]);
    await consumer.subscribe({ topics: this.topics, fromBeginning: this.settings.fromBeginning ?? true });
    // Not awaited: joining the group waits for its members, and after a crash for the dead
    // member's session to expire. The service answers HTTP meanwhile; its messages wait in Kafka.
    consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) }).catch((error: unknown) => {
      this.logger.error(`consumer group ${this.settings.groupId} could not start: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (let start = 0; start < batch.messages.length; start += MAX_HANDLER_BATCH) {
      // A batch fetched before close paused the consumer, or whose partition moved to another
      // member: leave the rest for whoever reads it next.
      if (this.closing || !isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + MAX_HANDLER_BATCH);
      const handling = this.handleAndCommit(
        batch.topic,
        batch.partition,
        chunk,
        async (offset) => {
          resolveOffset(offset);
          await heartbeat();
        },
        heartbeat,
      );
      this.inFlight = handling.catch(() => undefined);
      await handling;
    }
  }

  /**
   * Drains before leaving: kafkajs drops offset commits once `disconnect` has begun, so a
   * message finishing during it would be redelivered. Pausing stops fetching; the message in
   * hand then finishes and commits while the consumer still runs.
   */
  override async close(): Promise<void> {
    this.closing = true;
    const consumer = this.kafkaConsumer;
    if (consumer) {
      if (this.topics.length > 0) consumer.pause(this.topics.map((topic) => ({ topic })));
      await this.inFlight;
      await consumer.disconnect();
    }
    await this.deadLetterProducer?.disconnect();
    this.deadLetterProducer = null;
    this.kafkaConsumer = null;
    this.consumer = null;
    this.client = null;
  }

  private async handleAndCommit(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    resolved: (offset: string) => Promise<void>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const consumer = this.requireConsumer();
    const logical = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
    const commit = async (offset: string) => {
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
      await resolved(offset);
    };
    const handler = this.getHandlerByPattern(logical);
    if (!handler?.isEventHandler) {
      // Cannot happen for topics we subscribed to; never block a partition on it.
      this.logger.error(`no @EventPattern handler for ${topic}: skipping ${messages.length} message(s)`);
      await commit(messages[messages.length - 1]!.offset);
      return;
    }
    await deliverWithDeadLetters({
      topic: logical,
      group: this.settings.groupId,
      lane: `${logical}#${partition}`,
      partition,
      incoming: messages.map((message) => ({ delivered: delivered(message), raw: message.value?.toString() ?? null, offset: message.offset })),
      attempts: this.settings.attempts,
      retryDelayMs: this.settings.retryDelayMs,
      run: (batch, lane) => this.run(logical, topic, partition, handler, batch, lane),
      deadLetter: (letters) => this.produceDeadLetters(topic, letters),
      acknowledge: (last: Incoming) => commit(last.offset!),
      alive: heartbeat,
    });
  }

  private async run(logical: string, topic: string, partition: number, handler: MessageHandler, messages: readonly DeliveredMessage[], lane: string): Promise<Rejection[]> {
    const context = new BatchContext([logical, lane, partition]);
    await processBatch(logical, handler, messages, context, {
      [MessagingAttributes.system]: 'kafka',
      [MessagingAttributes.destination]: topic,
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.consumerGroup]: this.settings.groupId,
      [MessagingAttributes.partition]: String(partition),
    });
    return context.rejections;
  }

  /** Produces dead letters to `<topic>.dlq`, acknowledged by every in-sync replica, before the offset moves. */
  private async produceDeadLetters(wireTopic: string, letters: readonly DeadLetter[]): Promise<void> {
    if (!this.deadLetterProducer) throw new Error('the dead-letter producer is not started');
    await this.deadLetterProducer.send({
      topic: deadLetterTopic(wireTopic),
      acks: -1,
      messages: letters.map((letter) => ({ key: letter.key, value: letter.value, headers: deadLetterHeaders(wireTopic, letter) })),
    });
    countDeadLetters(letters);
    for (const letter of letters) this.logger.error(`dead letter ${wireTopic}#${letter.partition}@${letter.offset} for ${letter.group}: ${letter.reason}`);
  }

  private async createTopics(topics: string[]): Promise<void> {
    const admin = (this.client as unknown as Kafka).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics, this.settings);
    } finally {
      await admin.disconnect();
    }
  }

  private get prefix(): string {
    return this.settings.topicPrefix ?? '';
  }

  private requireConsumer(): Consumer {
    if (!this.kafkaConsumer) throw new Error('the Kafka consumer is not started');
    return this.kafkaConsumer;
  }
}

/**
 * Options for `app.connectMicroservice(…)` / `NestFactory.createMicroservice(…)` over Kafka:
 * `@EventPattern(topic)` handlers consume as `groupId`, committing each offset after the handler.
 */
export const kafkaMicroserviceOptions = (options: CommittingKafkaServerOptions): CustomStrategy => ({
  strategy: new CommittingKafkaServer(options),
});

/** The original headers, and where and why the message was given up. */
const deadLetterHeaders = (wireTopic: string, letter: DeadLetter): IHeaders => ({
  ...letter.headers,
  [DeadLetterHeaders.reason]: letter.reason,
  [DeadLetterHeaders.sourceTopic]: wireTopic,
  [DeadLetterHeaders.sourcePartition]: String(letter.partition),
  [DeadLetterHeaders.sourceOffset]: String(letter.offset),
  [DeadLetterHeaders.group]: letter.group,
  [DeadLetterHeaders.deadLetteredAt]: letter.deadLetteredAt,
  ...(letter.replayOf ? { [DeadLetterHeaders.replayOf]: letter.replayOf } : {}),
});

/** Key and headers as text, the value parsed: what every transport hands a handler. */
const delivered = (message: KafkaMessage): DeliveredMessage => ({
  key: message.key?.toString() ?? '',
  headers: Object.fromEntries(
    Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.map(String).join(',') : String(value)]],
    ),
  ),
  value: parseMessageValue(message.value?.toString()),
});
