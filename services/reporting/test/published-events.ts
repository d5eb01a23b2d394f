import {
  CapacityBuildingContracts,
  ContractRegistry,
  IntakeContracts,
  IntegrationEvent,
  publishCapacityBuildingEvent,
  publishIntakeEvent,
  publishReferralEvent,
  ReferralContracts,
  StoredEvent,
  Topics,
} from '@oriental/contracts';
import { createEventStore, EventStore } from '@oriental/event-store';
import { integrationMessage } from '@oriental/messaging';

/** Each stream category's owner: its topic, published language and contracts, as its forwarder and the consumers use them. */
const owners = [
  { prefix: 'beneficiary-', topic: Topics.intake, publish: publishIntakeEvent, registry: new ContractRegistry(IntakeContracts) },
  { prefix: 'referral-', topic: Topics.referral, publish: publishReferralEvent, registry: new ContractRegistry(ReferralContracts) },
  ...['programme-', 'session-', 'participant-'].map((prefix) => ({
    prefix,
    topic: Topics.capacityBuilding,
    publish: publishCapacityBuildingEvent,
    registry: new ContractRegistry(CapacityBuildingContracts),
  })),
];

/** What a consumer receives for a stored event: the message its owner's forwarder publishes, parsed as the consumer parses it; null when nothing is published. */
export const onTheBus = (stored: StoredEvent): { topic: string; event: IntegrationEvent } | null => {
  const owner = owners.find(({ prefix }) => stored.stream.startsWith(prefix));
  const published = owner?.publish(stored);
  if (!owner || !published) return null;
  const message = integrationMessage(owner.topic, stored, published.type, published.schemaVersion, published.data);
  return { topic: owner.topic, event: owner.registry.parse(JSON.parse(message.value)) };
};

/** Anything that appends itself to a store, in order: a journey (`aJourney`), a training, … */
export interface Appendable {
  appendTo(store: Pick<EventStore, 'appendToStream'>): Promise<unknown>;
}

/**
 * The integration events of what was appended, in log order, each with its topic: appended to a
 * store as their services store them, read back, and published through each owner's language.
 */
export const publishedEventsOf = async (...histories: Appendable[]): Promise<{ topic: string; event: IntegrationEvent }[]> => {
  const store = await createEventStore({ kind: 'sqlite', file: ':memory:' });
  try {
    for (const history of histories) await history.appendTo(store);
    const { events } = await store.readAll({ maxCount: 100_000 });
    return events.flatMap((stored) => onTheBus(stored) ?? []);
  } finally {
    await store.close();
  }
};

/** The events of one topic, as one lane of it delivers them. */
export const ofTopic = (events: readonly { topic: string; event: IntegrationEvent }[], topic: string): IntegrationEvent[] => events.filter((e) => e.topic === topic).map((e) => e.event);
