import { Admin, Kafka, Partitioners, Producer, TopicMessages } from 'kafkajs';
import { BusMessage, EventBus } from '../event-bus.port';
import { KafkaConnectionOptions, TopicSettings, ensureTopics, kafkaClientConfig } from './kafka-config';

export interface KafkaEventBusOptions extends KafkaConnectionOptions, TopicSettings {
  /**
   * Topics created on `connect` (when missing), so consumers can subscribe before the first
   * publish. Any other topic is created on its first publish.
   */
  topics?: readonly string[];
  /** How long a publish waits for the acknowledgement of all in-sync replicas (default 30 s). */
  ackTimeoutMs?: number;
  /** How long `health` waits for the cluster to answer (default 2 s). */
  healthTimeoutMs?: number;
}

/**
 * The Kafka side of the bus, on a kafkajs producer that is:
 * - idempotent, with one request in flight: a retried send neither duplicates nor reorders a
 *   partition's messages (https://kafka.apache.org/documentation/#producerconfigs_enable.idempotence);
 * - `acks: -1`: `publish` resolves once all in-sync replicas have the messages, so the forwarder
 *   may store its checkpoint;
 * - keyed with the Java client's murmur2 partitioner (`DefaultPartitioner`), so a beneficiary's
 *   messages land on the same partition whichever client produced them;
 * - retrying a bounded number of times: during an outage `publish` rejects after a while rather
 *   than hanging, and the forwarder retries from its checkpoint (and reports the failure).
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka';
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private connecting?: Promise<void>;
  /** Topics known to exist: publishing elsewhere first creates the topic (auto-creation is off). */
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaEventBusOptions) {
    this.kafka = new Kafka(kafkaClientConfig(options));
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
  }

  /** Connects the producer and the admin client and creates the configured topics. Idempotent. */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      await Promise.all([this.producer.connect(), this.admin.connect()]);
      if (this.options.topics?.length) await this.createTopics(this.options.topics, this.options.numPartitions ?? 3);
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Creates missing topics (default 3 partitions each) and waits for their leaders. */
  async ensureTopics(topics: readonly string[], numPartitions = this.options.numPartitions ?? 3): Promise<void> {
    await this.connect();
    await this.createTopics(topics, numPartitions);
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const prefix = this.options.topicPrefix ?? '';
    const unknownTopics = [...new Set(messages.map(({ topic }) => topic))].filter((topic) => !this.knownTopics.has(prefix + topic));
    if (unknownTopics.length > 0) await this.createTopics(unknownTopics, this.options.numPartitions ?? 3);
    const byTopic = new Map<string, TopicMessages>();
    for (const { topic: logical, key, value, headers } of messages) {
      const topic = prefix + logical;
      const batch = byTopic.get(topic) ?? { topic, messages: [] };
      batch.messages.push({ key, value, headers });
      byTopic.set(topic, batch);
    }
    // One request for every topic; kafkajs keeps the order of each topic's messages.
    await this.producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1, timeout: this.options.ackTimeoutMs ?? 30_000 });
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    try {
      const cluster = await withTimeout(
        this.connect().then(() => this.admin.describeCluster()),
        this.options.healthTimeoutMs ?? 2_000,
      );
      return {
        status: 'up',
        kind: this.kind,
        details: { clusterId: cluster.clusterId, controller: cluster.controller, brokers: cluster.brokers.length },
      };
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { error: error instanceof Error ? error.message : String(error) } };
    }
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /** Takes logical names; creates the prefixed ones. */
  private async createTopics(logical: readonly string[], numPartitions: number): Promise<void> {
    const topics = logical.map((topic) => (this.options.topicPrefix ?? '') + topic);
    await ensureTopics(this.admin, topics, { numPartitions, replicationFactor: this.options.replicationFactor });
    for (const topic of topics) this.knownTopics.add(topic);
  }
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};
