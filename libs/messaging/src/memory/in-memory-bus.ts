import { BusMessage, EventBus } from '../event-bus.port';

/** Handles a batch of one topic's messages for one consumer group; the returned promise is the group's acknowledgement. */
export type BusMessageHandler = (messages: readonly BusMessage[]) => Promise<void>;

interface GroupSubscription {
  handler: BusMessageHandler;
  /** Deliveries to one group run one after another, so the group sees each topic in order. */
  tail: Promise<void>;
  /** Messages handed to the group and not acknowledged yet (waiting for earlier ones, or being handled). */
  pending: number;
  /** When each such batch was published, oldest first (they settle in order). */
  publishedAt: number[];
}

/** What a consumer group has not acknowledged yet on one topic: its lag on the in-process bus. */
export interface InMemoryBacklog {
  topic: string;
  group: string;
  /** Messages published and not yet acknowledged by the group. */
  messages: number;
  /** When the oldest of them was published (ms since the epoch), if any. */
  oldestPublishedAt?: number;
}

/**
 * The bus of the embedded default: every service runs in one process, fed by the same forwarder
 * code as Kafka. Consumers subscribe per (topic, consumer group), like Kafka consumer groups.
 *
 * `publish` hands the messages, in order and as one batch per topic, to every group subscribed to their topic and resolves
 * only when every group's handler resolved: that is the in-process acknowledgement, after which
 * the forwarder stores its checkpoint. When a handler rejects, `publish` rejects (once all groups
 * settled); the forwarder then republishes from its checkpoint, so groups that had already
 * handled the batch see it again and de-duplicate by event id, as Kafka consumers do.
 *
 * Nothing is buffered: a message published to a topic no group subscribes to is dropped, and
 * acknowledged. The composition root therefore starts the forwarders only after the consumers
 * have subscribed (Nest: after `startAllMicroservices()`), and stops them before closing any
 * consumer; a consumer added later catches up through the read-model rebuild, not the bus.
 */
export class InMemoryBus implements EventBus {
  readonly kind = 'in-memory';
  private readonly topics = new Map<string, Map<string, GroupSubscription>>();
  private closed = false;

  /** Registers the handler of `groupId` for `topic`; answers a function that unsubscribes it. */
  subscribe(topic: string, groupId: string, handler: BusMessageHandler): () => void {
    const groups = this.topics.get(topic) ?? new Map<string, GroupSubscription>();
    if (groups.has(groupId)) throw new Error(`consumer group ${groupId} already subscribes to ${topic}`);
    const subscription: GroupSubscription = { handler, tail: Promise.resolve(), pending: 0, publishedAt: [] };
    groups.set(groupId, subscription);
    this.topics.set(topic, groups);
    return () => {
      if (groups.get(groupId) === subscription) groups.delete(groupId);
    };
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('the in-memory bus is closed');
    const deliveries: Promise<void>[] = [];
    for (const [topic, groups] of this.topics) {
      const forTopic = messages.filter((message) => message.topic === topic);
      if (forTopic.length === 0) continue;
      for (const group of groups.values()) deliveries.push(this.deliver(group, forTopic));
    }
    // Wait for every group, even after one failed, so no handler is still running when the
    // caller retries; then report the first failure.
    const failure = (await Promise.allSettled(deliveries)).find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    const subscriptions = Object.fromEntries([...this.topics].map(([topic, groups]) => [topic, [...groups.keys()]]));
    return { status: this.closed ? 'down' : 'up', kind: this.kind, details: { subscriptions } };
  }

  /** Every subscription's backlog (none pending included): read by the consumer-lag metrics, changes nothing. */
  backlog(): InMemoryBacklog[] {
    return [...this.topics].flatMap(([topic, groups]) =>
      [...groups].map(([group, { pending, publishedAt }]) => ({
        topic,
        group,
        messages: pending,
        ...(publishedAt.length > 0 ? { oldestPublishedAt: publishedAt[0] } : {}),
      })),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.topics.values()].flatMap((groups) => [...groups.values()].map((group) => group.tail)));
  }

  private deliver(group: GroupSubscription, messages: readonly BusMessage[]): Promise<void> {
    // One call per published batch: the group stores the batch's effect at once, and a failure
    // acknowledges none of it (the forwarder republishes the batch).
    group.pending += messages.length;
    group.publishedAt.push(Date.now());
    const delivery = group.tail.then(() => group.handler(messages));
    group.tail = delivery.then(
      () => settled(group, messages.length),
      () => settled(group, messages.length),
    );
    return delivery;
  }
}

/** A delivery settled (handled or failed: a failed batch comes again as a new delivery). */
const settled = (group: GroupSubscription, count: number): void => {
  group.pending -= count;
  group.publishedAt.shift();
};
