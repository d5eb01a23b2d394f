import { randomUUID } from 'node:crypto';
import { Admin, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DeadLetter, DeadLetterHeaders } from '../dead-letters/dead-letter';
import { HeldState } from '../dead-letters/held-items';
import { KafkaConnectionOptions, kafkaClientConfig } from './kafka-config';

/** A dead letter on a `.dlq` topic, and whether someone already replayed or discarded it. */
export interface KafkaDeadLetterEntry {
  /** `<dlq topic>/<partition>:<offset>`: what `npm run dlq -- replay|discard` takes. */
  id: string;
  letter: DeadLetter;
  state: Extract<HeldState, 'held' | 'replayed' | 'discarded'>;
  /** Who replayed or discarded it. */
  resolvedBy?: string;
}

export class DeadLetterNotFound extends Error {
  readonly code = 'NOT_FOUND';
  constructor(id: string) {
    super(`no dead letter ${id}`);
    this.name = 'DeadLetterNotFound';
  }
}

/**
 * The operator's side of Kafka's dead-letter topics (`<topic>.dlq`, written by
 * `CommittingKafkaServer`): list them, replay one to its source topic, or discard one.
 *
 * A `.dlq` topic is append-only, so what became of a dead letter is a marker message appended to
 * the same topic (`dlq-resolution`: replayed or discarded; `dlq-resolves`: partition and offset).
 * Listing reads the dead-letter topics to their end: it costs what they hold, never the history
 * of the source topics. A replay is produced to the source topic with the original key, value
 * and headers plus `dlq-replay-of`, so every consumer group sees it again: the ones that handled
 * it already skip it (their documents hold the event), and the one that gave up on it applies it.
 */
export class KafkaDeadLetterQueue {
  private readonly kafka: Kafka;

  constructor(private readonly options: KafkaConnectionOptions) {
    this.kafka = new Kafka(kafkaClientConfig(options));
  }

  /** Every dead letter of every `.dlq` topic of this deployment (its topic prefix), oldest first per topic. */
  async list(): Promise<KafkaDeadLetterEntry[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const prefix = this.options.topicPrefix ?? '';
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix) && topic.endsWith('.dlq')).sort();
      const entries: KafkaDeadLetterEntry[] = [];
      for (const topic of topics) entries.push(...entriesOf(topic, await this.readToEnd(admin, topic)));
      return entries;
    } finally {
      await admin.disconnect();
    }
  }

  /** Produces the dead letter to its source topic again, then marks it replayed. */
  async replay(id: string, by: string): Promise<KafkaDeadLetterEntry> {
    const entry = await this.held(id);
    const source = entry.letter.topic;
    await this.produce(source, [{ key: entry.letter.key, value: entry.letter.value, headers: { ...entry.letter.headers, [DeadLetterHeaders.replayOf]: id } }]);
    await this.mark(id, 'replayed', by);
    return { ...entry, state: 'replayed', resolvedBy: by };
  }

  /** Marks the dead letter discarded: it stays in the topic (retention removes it), listed as discarded. */
  async discard(id: string, by: string): Promise<KafkaDeadLetterEntry> {
    const entry = await this.held(id);
    await this.mark(id, 'discarded', by);
    return { ...entry, state: 'discarded', resolvedBy: by };
  }

  private async held(id: string): Promise<KafkaDeadLetterEntry> {
    const entry = (await this.list()).find((candidate) => candidate.id === id);
    if (!entry) throw new DeadLetterNotFound(id);
    if (entry.state !== 'held') throw Object.assign(new Error(`${id} is already ${entry.state}${entry.resolvedBy ? ` (by ${entry.resolvedBy})` : ''}`), { code: 'NOT_HELD' });
    return entry;
  }

  private async mark(id: string, resolution: 'replayed' | 'discarded', by: string): Promise<void> {
    const [topic, place] = splitId(id);
    await this.produce(topic, [
      {
        key: `resolution:${place}`,
        value: JSON.stringify({ resolution, by, at: new Date().toISOString() }),
        headers: { [DeadLetterHeaders.resolution]: resolution, [DeadLetterHeaders.resolves]: place },
      },
    ]);
  }

  private async produce(topic: string, messages: { key: string; value: string | null; headers: IHeaders }[]): Promise<void> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** Reads a topic from its start to its end as it is now, with a throwaway group that commits nothing. */
  private async readToEnd(admin: Admin, topic: string): Promise<{ partition: number; message: KafkaMessage }[]> {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).filter(({ high, low }) => BigInt(high) > BigInt(low)).map(({ partition, high }) => [partition, BigInt(high)] as const),
    );
    if (ends.size === 0) return [];
    const groupId = `dlq-reader-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const read: { partition: number; message: KafkaMessage }[] = [];
    await consumer.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than 60 s`)), 60_000);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        consumer
          .subscribe({ topics: [topic], fromBeginning: true })
          .then(() =>
            consumer.run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                const end = ends.get(partition);
                if (end === undefined || BigInt(message.offset) >= end) return;
                read.push({ partition, message });
                if (BigInt(message.offset) === end - 1n) ends.delete(partition);
                if (ends.size === 0) done();
              },
            }),
          )
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return read.sort((a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)));
  }
}

const splitId = (id: string): [topic: string, place: string] => {
  const slash = id.lastIndexOf('/');
  if (slash < 0) throw new DeadLetterNotFound(id);
  return [id.slice(0, slash), id.slice(slash + 1)];
};

const text = (value: Buffer | string | (Buffer | string)[] | undefined): string | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.map(String).join(',') : value.toString();

/** Folds a `.dlq` topic's messages: dead letters, and the markers that resolve them. */
const entriesOf = (topic: string, messages: readonly { partition: number; message: KafkaMessage }[]): KafkaDeadLetterEntry[] => {
  const entries = new Map<string, KafkaDeadLetterEntry>();
  for (const { partition, message } of messages) {
    const headers = Object.fromEntries(Object.entries(message.headers ?? {}).flatMap(([name, value]) => (value === undefined ? [] : [[name, text(value)!]])));
    const resolves = headers[DeadLetterHeaders.resolves];
    if (resolves) {
      const entry = entries.get(`${topic}/${resolves}`);
      const resolution = headers[DeadLetterHeaders.resolution];
      if (entry && (resolution === 'replayed' || resolution === 'discarded')) {
        entry.state = resolution;
        entry.resolvedBy = (JSON.parse(message.value?.toString() ?? '{}') as { by?: string }).by;
      }
      continue;
    }
    const original = Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('dlq-')));
    const sourceTopic = headers[DeadLetterHeaders.sourceTopic] ?? topic.replace(/\.dlq$/, '');
    const id = `${topic}/${partition}:${message.offset}`;
    entries.set(id, {
      id,
      state: 'held',
      letter: {
        topic: sourceTopic,
        group: headers[DeadLetterHeaders.group] ?? '',
        ...(headers[DeadLetterHeaders.sourcePartition] ? { partition: Number(headers[DeadLetterHeaders.sourcePartition]) } : {}),
        ...(headers[DeadLetterHeaders.sourceOffset] ? { offset: headers[DeadLetterHeaders.sourceOffset] } : {}),
        key: message.key?.toString() ?? '',
        headers: original,
        value: message.value?.toString() ?? null,
        reason: headers[DeadLetterHeaders.reason] ?? '',
        deadLetteredAt: headers[DeadLetterHeaders.deadLetteredAt] ?? new Date(Number(message.timestamp)).toISOString(),
        ...(headers[DeadLetterHeaders.replayOf] ? { replayOf: headers[DeadLetterHeaders.replayOf] } : {}),
      },
    });
  }
  return [...entries.values()];
};
