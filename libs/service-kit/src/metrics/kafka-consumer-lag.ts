import { Admin, Kafka } from 'kafkajs';
import { kafkaClientConfig, KafkaSecurity } from '@oriental/messaging';

export interface TopicLag {
  /** The logical topic (without KAFKA_TOPIC_PREFIX). */
  topic: string;
  /** Messages on the topic's partitions past the group's committed offsets. */
  messages: number;
  /**
   * Seconds the group needs to catch up at the pace it went since the previous refresh (lag ÷
   * offsets committed per second); when it committed nothing meanwhile, the seconds since it
   * last did (or was last seen caught up). 0 when caught up.
   */
  seconds: number;
}

export interface KafkaConsumerLagOptions {
  brokers: string[];
  security?: KafkaSecurity;
  groupId: string;
  topicPrefix?: string;
  clientId: string;
  /** Least time between two reads of the offsets (default 5 s): scrapes in between answer the last read. */
  refreshMs?: number;
  /** Longest a scrape waits for a read (default 2 s): past it, the last read is answered. */
  timeoutMs?: number;
}

interface Progress {
  at: number;
  committed: number;
  /** Last time the group committed more, or was seen caught up. */
  movedAt: number;
}

/**
 * A consumer group's lag on Kafka: its committed offsets (admin `fetchOffsets`, every topic the
 * group committed on) against the topics' end offsets (`fetchTopicOffsets`). Two requests per
 * topic at most every `refreshMs`, whatever the scrape rate; a slow or absent broker leaves the
 * last figures in place rather than holding the scrape.
 */
export class KafkaConsumerLag {
  private admin?: Promise<Admin>;
  private lags: TopicLag[] = [];
  private readAt = 0;
  private reading?: Promise<void>;
  private readonly progress = new Map<string, Progress>();

  constructor(private readonly options: KafkaConsumerLagOptions) {}

  async read(): Promise<TopicLag[]> {
    if (Date.now() - this.readAt >= (this.options.refreshMs ?? 5_000)) {
      this.reading ??= this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.readAt = Date.now();
          this.reading = undefined;
        });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.reading, new Promise((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs ?? 2_000)))]);
      clearTimeout(timer);
    }
    return this.lags;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
  }

  private connect(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = new Kafka(kafkaClientConfig({ brokers: this.options.brokers, clientId: this.options.clientId, security: this.options.security })).admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }

  private async refresh(): Promise<void> {
    const admin = await this.connect();
    const prefix = this.options.topicPrefix ?? '';
    const committed = await admin.fetchOffsets({ groupId: this.options.groupId });
    const now = Date.now();
    this.lags = await Promise.all(
      committed
        .filter(({ topic }) => topic.startsWith(prefix))
        .map(async ({ topic, partitions }) => {
          const ends = new Map((await admin.fetchTopicOffsets(topic)).map((end) => [end.partition, end]));
          let messages = 0;
          let done = 0;
          for (const { partition, offset } of partitions) {
            const end = ends.get(partition);
            if (!end) continue;
            // -1: nothing committed yet; the group starts from the earliest offset still kept.
            const at = Number(offset) < 0 ? Number(end.low) : Number(offset);
            messages += Math.max(0, Number(end.high) - at);
            done += at;
          }
          return { topic: topic.slice(prefix.length), messages, seconds: this.secondsBehind(topic, messages, done, now) };
        }),
    );
  }

  private secondsBehind(topic: string, messages: number, committed: number, now: number): number {
    const before = this.progress.get(topic);
    const moved = messages === 0 || !before || committed > before.committed;
    this.progress.set(topic, { at: now, committed, movedAt: moved ? now : before.movedAt });
    if (messages === 0) return 0;
    if (!before || committed <= before.committed) return before ? (now - before.movedAt) / 1000 : 0;
    const perSecond = (committed - before.committed) / ((now - before.at) / 1000);
    return messages / perSecond;
  }
}
