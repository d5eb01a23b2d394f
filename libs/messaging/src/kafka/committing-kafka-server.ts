import { BaseRpcContext, CustomStrategy, ServerKafka } from '@nestjs/microservices';
import type { Consumer as NestKafkaConsumer } from '@nestjs/microservices/external/kafka.interface';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { MessagingAttributes } from '../message-headers';
import { BusBatchContext, DeliveredMessage, parseMessageValue } from '../nest/event-handler';
import { processBatch } from '../nest/process-batch';
import { KafkaConnectionOptions, TopicSettings, ensureTopics, kafkaClientConfig } from './kafka-config';

export interface CommittingKafkaServerOptions extends KafkaConnectionOptions, TopicSettings {
  /** The consumer group, used as given (Nest's `-server` suffix is not appended). */
  groupId: string;
  /** Where a new group starts reading: the beginning of each topic (default), or only new messages. */
  fromBeginning?: boolean;
  /** Create the subscribed topics when missing (default true), so consumers may start before producers. */
  createTopics?: boolean;
  /** Kafka session timeout (default 30 s): how long a silent consumer keeps its partitions. */
  sessionTimeoutMs?: number;
}

/** `@Ctx()` over Kafka: one partition's batch. */
class KafkaBatchContext extends BaseRpcContext<[topic: string, partition: number]> implements BusBatchContext {
  getTopic(): string {
    return this.args[0];
  }
  getPartition(): number {
    return this.args[1];
  }
  getLane(): string {
    return `${this.args[0]}#${this.args[1]}`;
  }
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
 *    once with them (`DeliveredMessage[]`, `@Ctx()` a `KafkaBatchContext` whose lane is the
 *    topic and partition) inside one CONSUMER span `<topic> process` (see `processBatch`);
 * 2. on success, resolves and commits the last offset + 1 (Kafka's committed offset is the next
 *    one to read), one commit per chunk instead of one per message, and heartbeats;
 * 3. on failure, throws from `eachBatch`: nothing of the chunk is resolved, so kafkajs fetches
 *    again from the first unhandled offset after a backoff (redelivery; later messages of the
 *    partition wait, so order is kept), and after its retries restarts the consumer, which
 *    resumes from the last committed offset. A message that always fails therefore blocks its
 *    partition: the handler must tell "retry later" from "never" (validate, and skip or park
 *    bad input).
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
      sessionTimeout: this.settings.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 5 },
    });
    this.consumer = this.kafkaConsumer as unknown as NestKafkaConsumer;
    this.registerConsumerEventListeners();
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
    if (this.settings.createTopics ?? true) await this.createTopics(this.topics);
    await consumer.subscribe({ topics: this.topics, fromBeginning: this.settings.fromBeginning ?? true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (let start = 0; start < batch.messages.length; start += MAX_HANDLER_BATCH) {
      // A batch fetched before close paused the consumer, or whose partition moved to another
      // member: leave the rest for whoever reads it next.
      if (this.closing || !isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + MAX_HANDLER_BATCH);
      const handling = this.handleAndCommit(batch.topic, batch.partition, chunk);
      this.inFlight = handling.catch(() => undefined);
      await handling;
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
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
    this.kafkaConsumer = null;
    this.consumer = null;
    this.client = null;
  }

  private async handleAndCommit(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const consumer = this.requireConsumer();
    const logical = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
    const handler = this.getHandlerByPattern(logical);
    if (handler?.isEventHandler) {
      await processBatch(logical, handler, messages.map(delivered), new KafkaBatchContext([logical, partition]), {
        [MessagingAttributes.system]: 'kafka',
        [MessagingAttributes.destination]: topic,
        [MessagingAttributes.operationName]: 'process',
        [MessagingAttributes.operationType]: 'process',
        [MessagingAttributes.consumerGroup]: this.settings.groupId,
        [MessagingAttributes.partition]: String(partition),
      });
    } else {
      // Cannot happen for topics we subscribed to; never block a partition on it.
      this.logger.error(`no @EventPattern handler for ${topic}: skipping ${messages.length} message(s)`);
    }
    const last = messages[messages.length - 1]!;
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(last.offset) + 1n).toString() }]);
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
