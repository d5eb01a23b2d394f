import type { DocumentCollection, ReadStore } from './read-store.port';

/** Where an event comes from: its stream and its 0-based revision in that stream. */
export interface EventSource {
  stream: string;
  revision: number;
}

export type ApplyOutcome = 'applied' | 'skipped';

/** A document kept changing under us more times than the caller allowed retries. */
export class ConcurrentUpdateError extends Error {
  readonly code = 'CONCURRENT_UPDATE';
  constructor(
    readonly documentId: string,
    readonly attempts: number,
  ) {
    super(`document ${documentId} changed concurrently on each of ${attempts} attempts`);
    this.name = 'ConcurrentUpdateError';
  }
}

const appliedRevision = (checkpoint: Record<string, number>, stream: string): number =>
  Object.hasOwn(checkpoint, stream) ? checkpoint[stream]! : -1;

/** Full-jitter exponential backoff: spreads out writers that lost the same compare-and-set. */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));

/**
 * Applies one event to one read-model document, exactly once however often it is delivered
 * (the idempotent consumer: https://microservices.io/patterns/communication-style/idempotent-consumer.html).
 *
 * The document's checkpoint records the last revision applied from each stream, and it is
 * written in the same write as the data: an event whose revision is not beyond it was already
 * applied (a redelivery) or is older than one that was, and is skipped. This relies on each
 * stream's events arriving in order (the bus keys messages by stream), not on global order.
 * A lost compare-and-set (another event for the same document applied meanwhile) reads again
 * and retries, so `evolve` must be pure: it may run more than once.
 *
 * `evolve` always returns a document: there is no delete. Deleting would drop the checkpoint
 * with the data, and a redelivered earlier event would then recreate the document; a read
 * model that retires documents marks them (e.g. `status: 'closed'`) and filters them out.
 */
export const applyToDocument = async <T extends object>(
  collection: DocumentCollection<T>,
  id: string,
  source: EventSource,
  evolve: (current: T | null) => T,
  { maxRetries = 10 }: { maxRetries?: number } = {},
): Promise<ApplyOutcome> => {
  for (let attempt = 0; ; attempt++) {
    const current = await collection.get(id);
    if (current && appliedRevision(current.checkpoint, source.stream) >= source.revision) return 'skipped';

    const written = await collection.write(id, evolve(current ? current.data : null), {
      expectedVersion: current?.version ?? 0,
      checkpoint: { ...current?.checkpoint, [source.stream]: source.revision },
    });
    if (written) return 'applied';
    if (attempt >= maxRetries) throw new ConcurrentUpdateError(id, attempt + 1);
    await backoff(attempt);
  }
};

export const PROJECTION_CHECKPOINTS = 'projection_checkpoints';

interface CheckpointDocument {
  /** Opaque position in the event store's global log. */
  position: string;
}

/**
 * Where each projection is in the event store's global log, kept in the same read store as
 * its documents so that both are lost or kept together (a rebuilt read store starts over).
 */
export class ProjectionCheckpoints {
  private readonly documents: DocumentCollection<CheckpointDocument>;

  constructor(store: ReadStore) {
    this.documents = store.collection<CheckpointDocument>(PROJECTION_CHECKPOINTS);
  }

  /** The position saved last, or undefined: start from the beginning. */
  async load(projection: string): Promise<string | undefined> {
    return (await this.documents.get(projection))?.data.position;
  }

  /** One runner per projection saves its position: the last save wins. */
  async save(projection: string, position: string, { maxRetries = 10 }: { maxRetries?: number } = {}): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.documents.get(projection);
      if (await this.documents.write(projection, { position }, { expectedVersion: current?.version ?? 0 })) return;
      if (attempt >= maxRetries) throw new ConcurrentUpdateError(projection, attempt + 1);
    }
  }

  async reset(projection: string): Promise<void> {
    await this.documents.delete(projection);
  }
}

export interface RebuildProjectionOptions<E extends { position: string }> {
  /** The projection's name: the key of its checkpoint. */
  name: string;
  checkpoints: ProjectionCheckpoints;
  /** The projection's collections, emptied before the replay. */
  collections: readonly DocumentCollection<object>[];
  /**
   * Reads the global log: up to `maxCount` events strictly after `after` (from the start when
   * undefined), in order; none once exhausted. E.g. for the event store:
   * `(after, maxCount) => eventStore.readAll({ after, maxCount, streamPrefixes })`.
   */
  readAll: (after: string | undefined, maxCount: number) => Promise<readonly E[]>;
  apply: (event: E) => Promise<void>;
  /** Events read at once; 500 unless told. */
  pageSize?: number;
  /** Called after each page with the number of events applied so far. */
  onProgress?: (done: number) => void;
}

/**
 * Rebuilds a read model from the event store: empties its collections and forgets its
 * checkpoint, then replays every event page by page, saving the checkpoint after each page so
 * the live projection can take over from where the replay ended. Stop the live projection
 * first: it would otherwise write into the collections while they are emptied.
 */
export const rebuildProjection = async <E extends { position: string }>(
  options: RebuildProjectionOptions<E>,
): Promise<{ events: number; position: string | undefined }> => {
  const pageSize = options.pageSize ?? 500;
  for (const collection of options.collections) await collection.drop();
  await options.checkpoints.reset(options.name);

  let position: string | undefined;
  let done = 0;
  for (;;) {
    const page = await options.readAll(position, pageSize);
    if (page.length === 0) break;
    for (const event of page) {
      await options.apply(event);
      done++;
    }
    const last = page[page.length - 1]!.position;
    // A reader that answers its `after` event again would make this loop forever.
    if (last === position) throw new Error(`readAll returned events that are not after ${position}`);
    position = last;
    await options.checkpoints.save(options.name, position);
    options.onProgress?.(done);
  }
  return { events: done, position };
};
