import { createHash, randomUUID } from 'node:crypto';
import { NewEvent, StoredEvent } from '@oriental/contracts';
import type { EventStore } from '@oriental/event-store';

/** What an operator asked for, and what became of it. */
export type HeldState = 'held' | 'replay-requested' | 'discard-requested' | 'replayed' | 'discarded';

export interface Held<T> {
  /** Stable id, as `npm run dlq` shows it. */
  id: string;
  item: T;
  state: HeldState;
  /** Why it is held: the first failure, or the last failed replay's. */
  reason: string;
  heldAt: string;
  /** Who asked for the replay or the discard, when someone did. */
  requestedBy?: string;
}

/** The event types of a held-items stream. */
export const HeldEventTypes = {
  held: 'ItemHeld',
  replayRequested: 'ReplayRequested',
  discardRequested: 'DiscardRequested',
  replayed: 'ItemReplayed',
  replayFailed: 'ReplayFailed',
  discarded: 'ItemDiscarded',
} as const;

/**
 * Items the system set aside, kept as a stream of the event store: dead letters of a consumer
 * group in-process (`dead-letters-<group>`) and events a forwarder parked (`parked-<forwarder>`).
 *
 * The stream is the whole protocol between the process that holds the items and the operator's
 * `npm run dlq`, which may run in another process: the holder appends `ItemHeld`; the operator
 * appends `ReplayRequested` or `DiscardRequested`; the holder, which reads the stream's new
 * events every second (`poll`), acts and appends `ItemReplayed`, `ReplayFailed` or
 * `ItemDiscarded`. Reading costs the items held, never the history of the log; being a stream of
 * the event store, it is durable, hash-chained and in every backup.
 */
export class HeldItems<T> {
  private readonly items = new Map<string, Held<T>>();
  private next = 0;

  constructor(
    private readonly store: EventStore,
    readonly stream: string,
    private readonly actor: string,
  ) {}

  /** Sets items aside. An item held again under the same id (a redelivered batch) is stored once. */
  async hold(entries: readonly { id: string; item: T; reason: string }[], at: Date = new Date()): Promise<void> {
    if (entries.length === 0) return;
    await this.append(
      entries.map(({ id, item, reason }) => this.event(HeldEventTypes.held, { id, item, reason }, at, deterministicId(`${this.stream}\u0000${id}`))),
    );
  }

  /** The operator's request; refused unless the item is held (or was asked for the same thing). */
  async request(id: string, action: 'replay' | 'discard', by: string, at: Date = new Date()): Promise<Held<T>> {
    await this.poll();
    const held = this.items.get(id);
    if (!held) throw new HeldItemNotFound(id, this.stream);
    const wanted: HeldState = action === 'replay' ? 'replay-requested' : 'discard-requested';
    if (held.state === wanted) return held;
    if (held.state !== 'held') throw new HeldItemNotHeld(`${this.stream}/${id}`, held.state);
    await this.append([this.event(action === 'replay' ? HeldEventTypes.replayRequested : HeldEventTypes.discardRequested, { id, by }, at)]);
    await this.poll();
    return this.items.get(id)!;
  }

  /** The holder's answer to a request. */
  async settle(id: string, outcome: 'replayed' | 'discarded' | { failed: string }, at: Date = new Date()): Promise<void> {
    const type = outcome === 'replayed' ? HeldEventTypes.replayed : outcome === 'discarded' ? HeldEventTypes.discarded : HeldEventTypes.replayFailed;
    await this.append([this.event(type, typeof outcome === 'object' ? { id, reason: outcome.failed } : { id }, at)]);
  }

  /** Reads what was appended since the last call; answers every item, in the order they were held. */
  async poll(): Promise<Held<T>[]> {
    const events = await this.store.readStream(this.stream, { fromRevision: this.next });
    for (const event of events) this.apply(event);
    if (events.length > 0) this.next = events[events.length - 1]!.revision + 1;
    return [...this.items.values()];
  }

  /** Items waiting for the holder: a replay or a discard asked for and not yet done. */
  async requests(): Promise<Held<T>[]> {
    return (await this.poll()).filter(({ state }) => state === 'replay-requested' || state === 'discard-requested');
  }

  private apply(event: StoredEvent): void {
    const data = event.data as { id: string; item?: T; reason?: string; by?: string };
    const held = this.items.get(data.id);
    switch (event.type) {
      case HeldEventTypes.held:
        if (!held) this.items.set(data.id, { id: data.id, item: data.item as T, state: 'held', reason: data.reason ?? '', heldAt: event.metadata.occurredAt });
        return;
      case HeldEventTypes.replayRequested:
        if (held?.state === 'held') this.items.set(data.id, { ...held, state: 'replay-requested', requestedBy: data.by });
        return;
      case HeldEventTypes.discardRequested:
        if (held?.state === 'held') this.items.set(data.id, { ...held, state: 'discard-requested', requestedBy: data.by });
        return;
      case HeldEventTypes.replayed:
        if (held) this.items.set(data.id, { ...held, state: 'replayed' });
        return;
      case HeldEventTypes.discarded:
        if (held) this.items.set(data.id, { ...held, state: 'discarded' });
        return;
      case HeldEventTypes.replayFailed:
        if (held) this.items.set(data.id, { ...held, state: 'held', reason: data.reason ?? held.reason, requestedBy: undefined });
        return;
    }
  }

  private event(type: string, data: unknown, at: Date, id: string = randomUUID()): NewEvent {
    const correlationId = randomUUID();
    return { id, type, schemaVersion: 1, data, metadata: { correlationId, causationId: correlationId, actor: this.actor, occurredAt: at.toISOString() } };
  }

  private async append(events: NewEvent[]): Promise<void> {
    await this.store.appendToStream(this.stream, events, { expectedRevision: 'any' });
  }
}

export class HeldItemNotFound extends Error {
  readonly code = 'NOT_FOUND';
  constructor(id: string, stream: string) {
    super(`nothing is held under ${stream}/${id}`);
    this.name = 'HeldItemNotFound';
  }
}

export class HeldItemNotHeld extends Error {
  readonly code = 'NOT_HELD';
  constructor(id: string, state: HeldState) {
    super(`${id} is ${state}: only a held item can be replayed or discarded`);
    this.name = 'HeldItemNotHeld';
  }
}

/** A UUID derived from a name (RFC 9562 version 8, SHA-256), so that holding an item twice appends it once. */
const deterministicId = (name: string): string => {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
