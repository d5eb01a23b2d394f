import { IntegrationEvent, StoredEvent } from '@oriental/contracts';
import type { EventStore } from '@oriental/event-store';
import { integrationEvent } from '@oriental/messaging';
import { Logger } from '@nestjs/common';
import { countExistingDocuments, DocumentCollection, DocumentProjection, ProjectionCheckpoints, ReadStore, rebuildProjection, SourcedEvent } from '@oriental/read-store';

/**
 * A read model fed by integration events: live from the bus, a batch of one lane at a time, or
 * replayed from the event store by a rebuild, which goes through the same published language
 * and envelope as the forwarder, so a rebuilt read model equals one fed live.
 */
export interface ReadModel {
  /** Its checkpoint's name, unique in its read store. */
  readonly name: string;
  readonly readStore: ReadStore;
  /** Emptied by a rebuild. */
  readonly collections: readonly DocumentCollection<object>[];
  /** Stream categories whose events feed it, e.g. `beneficiary-`. */
  readonly streamPrefixes: readonly string[];
  /** What the bus carries for a stored event (the owning context's published language), or null. */
  toIntegrationEvent(stored: StoredEvent): IntegrationEvent | null;
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<unknown>;
}

type PublishedLanguage = (stored: StoredEvent) => { type: string; schemaVersion: number; data: unknown } | null;
const translators = new WeakMap<PublishedLanguage, (stored: StoredEvent) => IntegrationEvent | null>();

/**
 * `toIntegrationEvent` from a context's published language (e.g. `publishIntakeEvent`): one
 * function per language, so a rebuild translates each stored event once for all the read
 * models that share the language.
 */
export const fromPublishedLanguage = (publish: PublishedLanguage): ((stored: StoredEvent) => IntegrationEvent | null) => {
  let translate = translators.get(publish);
  if (!translate) {
    translate = (stored) => {
      const published = publish(stored);
      return published ? integrationEvent(stored, published.type, published.schemaVersion, published.data) : null;
    };
    translators.set(publish, translate);
  }
  return translate;
};

/** The lane a rebuild counts in: its own, so that live lanes' positions do not hide its events. */
const REBUILD_LANE = 'rebuild';

/**
 * Rebuilds read models from the event store in ONE pass over the log: empties them, then replays
 * each page of the events they follow into every one of them, a page per batch. Stop their live
 * consumers first (see `rebuildProjection`).
 */
export const rebuildReadModels = async (
  eventStore: EventStore,
  models: readonly ReadModel[],
  onProgress?: (done: number) => void,
): Promise<{ events: number }> => {
  const streamPrefixes = [...new Set(models.flatMap((model) => model.streamPrefixes))];
  // The replay's position is kept in every read store it rebuilds, as `read-models`.
  const stores = [...new Set(models.map((model) => model.readStore))].map((store) => new ProjectionCheckpoints(store));
  const everyStore = {
    reset: async (name: string) => void (await Promise.all(stores.map((store) => store.reset(name)))),
    save: async (name: string, position: string) => void (await Promise.all(stores.map((store) => store.save(name, position)))),
  };
  const follows = (model: ReadModel, stored: StoredEvent) => model.streamPrefixes.some((prefix) => stored.stream.startsWith(prefix));
  return rebuildProjection<StoredEvent>({
    name: 'read-models',
    checkpoints: everyStore,
    collections: models.flatMap((model) => model.collections),
    readAll: (after, maxCount) => eventStore.readAll({ ...(after ? { after } : {}), maxCount, streamPrefixes }),
    applyBatch: async (page) => {
      // Read models sharing a published language share its translation of the page.
      const translated = new Map<ReadModel['toIntegrationEvent'], (IntegrationEvent | null)[]>();
      for (const model of models) {
        let events = translated.get(model.toIntegrationEvent);
        if (!events) {
          events = page.map((stored) => model.toIntegrationEvent(stored));
          translated.set(model.toIntegrationEvent, events);
        }
        const batch = events.filter((event, index): event is IntegrationEvent => event !== null && follows(model, page[index]!));
        if (batch.length > 0) await model.applyBatch(REBUILD_LANE, batch);
      }
    },
    ...(onProgress ? { onProgress } : {}),
  });
};

/**
 * For a module's provider factory: a projection that keeps counters, its counters first set
 * from the documents a read store holds from before counters existed (`countExistingDocuments`).
 * Providers are built before the consumers start, so no live batch counts before it.
 */
export const withUpgradeCounts = async <P extends ReadModel & DocumentProjection<E, T>, E extends SourcedEvent, T extends object>(projection: P): Promise<P> => {
  const counted = await countExistingDocuments<E, T>(projection);
  if (counted > 0) new Logger(projection.name).log(`counted ${counted} documents stored before this read model kept counters`);
  return projection;
};
