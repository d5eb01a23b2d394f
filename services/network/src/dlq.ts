import type { EventStore } from '@oriental/event-store';
import {
  DeadLetter,
  deadLettersStream,
  Held,
  HeldItems,
  HeldState,
  KafkaDeadLetterQueue,
  ParkedEvent,
  parkedEventsStream,
} from '@oriental/messaging';
import type { ServiceDefinition } from '@oriental/service-kit';

/** One line of `npm run dlq -- list`: a dead letter of a consumer group, or an event a forwarder parked. */
export type HeldEntry =
  | ({ kind: 'dead-letter'; id: string; state: HeldState; reason: string; heldAt: string; requestedBy?: string } & Pick<DeadLetter, 'topic' | 'group' | 'key'> & {
        partition?: number;
        offset?: string;
        eventId?: string;
        eventType?: string;
      })
  | ({ kind: 'parked'; id: string; state: HeldState; reason: string; heldAt: string; requestedBy?: string; forwarder: string } & ParkedEvent);

export class UnknownHeldItem extends Error {
  readonly code = 'NOT_FOUND';
}

/**
 * What an operator does with what the network set aside (docs/operations.md, "Dead letters and
 * parked events"): the dead letters of each consumer group (in-process: streams
 * `dead-letters-<group>` of the event store; over Kafka: the `<topic>.dlq` topics) and the events
 * each forwarder parked (streams `parked-<forwarder>`, in either run).
 *
 * Replaying or discarding a parked event, or an in-process dead letter, is a request appended to
 * its stream: the running service acts on it within a second. A Kafka dead letter is replayed
 * here, by producing it to its source topic again.
 */
export class HeldItemsDesk {
  constructor(
    private readonly store: EventStore,
    private readonly services: readonly ServiceDefinition[],
    private readonly kafka?: KafkaDeadLetterQueue,
  ) {}

  async list(): Promise<HeldEntry[]> {
    const entries: HeldEntry[] = [];
    for (const forwarder of this.forwarders()) {
      for (const held of await this.parking(forwarder).poll()) entries.push(parkedEntry(forwarder, held));
    }
    if (this.kafka) {
      for (const { id, letter, state, resolvedBy } of await this.kafka.list()) {
        entries.push(deadLetterEntry(id, letter, state, letter.reason, letter.deadLetteredAt, resolvedBy));
      }
    } else {
      for (const group of this.groups()) {
        for (const held of await this.deadLetters(group).poll()) {
          entries.push(deadLetterEntry(`${deadLettersStream(group)}/${held.id}`, held.item, held.state, held.reason, held.heldAt, held.requestedBy));
        }
      }
    }
    return entries;
  }

  /** Replays one item; answers it as it stands after the request (a request the service has yet to act on is `replay-requested`). */
  async replay(id: string, by: string): Promise<HeldEntry> {
    return this.act(id, 'replay', by);
  }

  async discard(id: string, by: string): Promise<HeldEntry> {
    return this.act(id, 'discard', by);
  }

  /** The entry as it stands now. */
  async find(id: string): Promise<HeldEntry> {
    const entry = (await this.list()).find((candidate) => candidate.id === id);
    if (!entry) throw new UnknownHeldItem(`nothing is held under ${id}: see npm run dlq -- list`);
    return entry;
  }

  private async act(id: string, action: 'replay' | 'discard', by: string): Promise<HeldEntry> {
    const [where, itemId] = split(id);
    const forwarder = this.forwarders().find((name) => parkedEventsStream(name) === where);
    if (forwarder) return parkedEntry(forwarder, await this.parking(forwarder).request(itemId, action, by));
    if (this.kafka && where.endsWith('.dlq')) {
      const { letter, state, resolvedBy } = action === 'replay' ? await this.kafka.replay(id, by) : await this.kafka.discard(id, by);
      return deadLetterEntry(id, letter, state, letter.reason, letter.deadLetteredAt, resolvedBy);
    }
    const group = this.groups().find((name) => deadLettersStream(name) === where);
    if (group && !this.kafka) {
      const held = await this.deadLetters(group).request(itemId, action, by);
      return deadLetterEntry(id, held.item, held.state, held.reason, held.heldAt, held.requestedBy);
    }
    throw new UnknownHeldItem(`nothing is held under ${id}: see npm run dlq -- list`);
  }

  private forwarders(): string[] {
    return this.services.filter((service) => service.forwarder).map((service) => `${service.name}-forwarder`);
  }

  private groups(): string[] {
    return this.services.flatMap((service) => (service.consumerGroup ? [service.consumerGroup] : []));
  }

  private parking(forwarder: string): HeldItems<ParkedEvent> {
    return new HeldItems<ParkedEvent>(this.store, parkedEventsStream(forwarder), 'operator');
  }

  private deadLetters(group: string): HeldItems<DeadLetter> {
    return new HeldItems<DeadLetter>(this.store, deadLettersStream(group), 'operator');
  }
}

const split = (id: string): [where: string, itemId: string] => {
  const slash = id.lastIndexOf('/');
  if (slash <= 0 || slash === id.length - 1) throw new UnknownHeldItem(`${JSON.stringify(id)} is not an id of npm run dlq -- list (<where>/<id>)`);
  return [id.slice(0, slash), id.slice(slash + 1)];
};

const parkedEntry = (forwarder: string, held: Held<ParkedEvent>): HeldEntry => ({
  kind: 'parked',
  id: `${parkedEventsStream(forwarder)}/${held.id}`,
  state: held.state,
  reason: held.reason,
  heldAt: held.heldAt,
  ...(held.requestedBy ? { requestedBy: held.requestedBy } : {}),
  forwarder,
  ...held.item,
});

const deadLetterEntry = (id: string, letter: DeadLetter, state: HeldState, reason: string, heldAt: string, requestedBy?: string): HeldEntry => ({
  kind: 'dead-letter',
  id,
  state,
  reason,
  heldAt,
  ...(requestedBy ? { requestedBy } : {}),
  topic: letter.topic,
  group: letter.group,
  key: letter.key,
  ...(letter.partition !== undefined ? { partition: letter.partition } : {}),
  ...(letter.offset !== undefined ? { offset: letter.offset } : {}),
  ...(letter.headers['event-id'] ? { eventId: letter.headers['event-id'] } : {}),
  ...(letter.headers['event-type'] ? { eventType: letter.headers['event-type'] } : {}),
});
