import { CustomStrategy, KafkaContext, MessageHandler, ServerKafka } from '@nestjs/microservices';
import type { Consumer as NestKafkaConsumer, KafkaMessage as NestKafkaMessage } from '@nestjs/microservices/external/kafka.interface';
import { SpanKind, extractFromHeaders, withSpan } from '@oriental/telemetry';
import { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { MessageHeaders, MessagingAttributes } from '../message-headers';
import { BusMessageContext, invokeEventHandler } from '../nest/event-handler';
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

/** `@Ctx()` over Kafka: Nest's `KafkaContext` (partition, offset, consumer…) plus the transport-neutral accessors. */
export class KafkaMessageContext extends KafkaContext implements BusMessageContext {
  getKey(): string {
    return String(this.getMessage().key ?? '');
  }
  /** Headers as decoded by Nest's Kafka parser (buffers turned into strings). */
  getHeaders(): Record<string, string> {
    return this.getMessage().headers as unknown as Record<string, string>;
  }
}

/**
 * Nest's Kafka server, changed to commit a message's offset only once its `@EventPattern`
 * handler has stored its effect.
 *
 * Nest's `ServerKafka` (11.2) leaves commits to kafkajs' auto-commit, which commits the offsets
 * of messages whose `eachMessage` resolved, on a timer or per batch. That is at-least-once only
 * because `ServerKafka.handleEvent` happens to await the handler's Observable (the base
 * `Server.handleEvent` drops its errors), and commits lag behind the handlers. Here the rule is
 * explicit and tested: the consumer runs with `autoCommit: false`, and `handleMessage`:
 *
 * 1. decodes the message with Nest's parser and deserializer (so `@Payload()` is the parsed JSON
 *    value, as with `ServerKafka`, and `@Ctx()` a `KafkaMessageContext`);
 * 2. calls the handler inside a CONSUMER span `<topic> process` whose parent comes from the
 *    `traceparent` header, and awaits it, errors included (see `invokeEventHandler`);
 * 3. on success, commits `offset + 1` (Kafka's committed offset is the next one to read);
 * 4. on failure, throws from `eachMessage`. kafkajs then leaves the message unresolved, retries
 *    the fetch with backoff from that same offset (redelivery, later messages of the partition
 *    wait: order is kept), and after its retries restarts the consumer, which resumes from the
 *    last committed offset. A message that always fails therefore blocks its partition: the
 *    handler must tell "retry later" from "never" (validate, and ignore or park bad input).
 *
 * `close` pauses fetching and lets the message in hand finish and commit before leaving the
 * group (kafkajs ignores commits once `disconnect` has begun).
 *
 * Only `@EventPattern` is served; request/reply over Kafka is not (kafkajs is in maintenance
 * mode, and commands go over HTTP), so no reply producer is created, and the group id is used as
 * given (no `-server` suffix).
 */
export class CommittingKafkaServer extends ServerKafka {
  private kafkaConsumer: Consumer | null = null;
  private topics: string[] = [];
  /** The message being handled, awaited on close so it is committed before leaving. */
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
    await consumer.run({ autoCommit: false, eachMessage: (payload) => this.handleMessage(payload as never) });
  }

  override async handleMessage(payload: EachMessagePayload): Promise<void> {
    // A batch fetched before close paused the consumer: leave its messages for the next run.
    if (this.closing) throw new Error('the consumer is closing');
    const handling = this.handleAndCommit(payload);
    this.inFlight = handling.catch(() => undefined);
    await handling;
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

  private async handleAndCommit(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const consumer = this.requireConsumer();
    const raw = this.parser!.parse<NestKafkaMessage>(Object.assign({}, message, { topic, partition }) as never);
    const logical = topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
    const packet = await this.deserializer.deserialize(raw, { channel: logical });
    const handler = this.getHandlerByPattern(packet.pattern);
    if (handler?.isEventHandler) {
      await this.handle(handler, packet.data, raw, payload);
    } else {
      // Cannot happen for topics we subscribed to; never block a partition on it.
      this.logger.error(`no @EventPattern handler for ${topic}: skipping offset ${message.offset}`);
    }
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  private handle(handler: MessageHandler, data: unknown, raw: NestKafkaMessage, payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message, heartbeat } = payload;
    const context = new KafkaMessageContext([
      raw,
      partition,
      topic,
      this.consumer!,
      heartbeat,
      null as unknown as Producer as never,
    ]);
    const headers = context.getHeaders();
    const attributes = {
      [MessagingAttributes.system]: 'kafka',
      [MessagingAttributes.destination]: topic,
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.consumerGroup]: this.settings.groupId,
      [MessagingAttributes.partition]: String(partition),
      [MessagingAttributes.kafkaOffset]: Number(message.offset),
      [MessagingAttributes.kafkaMessageKey]: context.getKey(),
      ...(headers[MessageHeaders.eventId] ? { [MessagingAttributes.messageId]: headers[MessageHeaders.eventId] } : {}),
    };
    return withSpan(`${topic} process`, SpanKind.CONSUMER, extractFromHeaders(headers), attributes, () =>
      invokeEventHandler(topic, handler, data, context),
    );
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
