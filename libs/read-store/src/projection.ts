import type { DocumentCollection, DocumentWrite, Filter, ReadStore, VersionedDocument } from './read-store.port';

/** Where an event comes from: its stream and its 0-based revision in that stream. */
export interface EventSource {
  stream: string;
  revision: number;
}

/** An event as projections see it: where it comes from, including its place in the global log. */
export interface SourcedEvent {
  source: EventSource & { position: string };
}

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
 * What a lane's counter document holds: the counts this lane contributed, and the position of
 * the last event whose counts it holds. A report adds up the few lanes (one per Kafka partition,
 * one for the in-process bus, one per rebuild): its cost is the number of lanes, not of documents.
 */
export interface LaneCounts {
  position: string;
  counts: Record<string, number>;
}

/** A read model of one document per key, optionally counted by keys of the documents' own choosing. */
export interface DocumentProjection<E extends SourcedEvent, T extends object> {
  documents: DocumentCollection<T>;
  /** The document an event changes; undefined when the event is not this read model's business. */
  documentId(event: E): string | undefined;
  /** The document after the event. Pure: it may run more than once for one event. */
  evolve(current: T | null, event: E): T;
  /**
   * Counters kept in step with the documents: each document counts once under each key
   * `countAs` gives it (e.g. `total`, `cell:oujda`), so a change of cell moves it between keys.
   */
  counters?: { collection: DocumentCollection<LaneCounts>; countAs(document: T): readonly string[] };
}

const DECIMAL = /^[1-9]\d*$|^0$/;

/**
 * Orders log positions: decimal sequence numbers (SQLite) or `<commit>/<prepare>` pairs
 * (KurrentDB), compared part by part as integers of any size.
 */
export const compareLogPositions = (a: string, b: string): number => {
  // Two plain sequence numbers (the embedded store's, on every event of a rebuild): the longer
  // is the larger, and equal lengths compare as text, without allocating.
  if (DECIMAL.test(a) && DECIMAL.test(b)) return a.length !== b.length ? Math.sign(a.length - b.length) : a < b ? -1 : a > b ? 1 : 0;
  const left = a.split('/').map(BigInt);
  const right = b.split('/').map(BigInt);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const [x, y] = [left[index] ?? -1n, right[index] ?? -1n];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/**
 * Applies a batch of one lane's events (in order) to a read model in one write: every
 * document the batch changes, with its checkpoint, and the lane's counters, with theirs.
 *
 * Exactly once in effect, however often a batch is delivered:
 * - a document records the last revision applied from each stream, written with its data, and
 *   an event it already holds (a redelivery, or older than one it holds) is not applied again;
 *   this relies on each stream's events arriving in order (the bus keys messages by
 *   beneficiary), not on global order. `evolve` must therefore be pure;
 * - counts change only for an event that neither its document nor its lane holds. The lane's
 *   counter document records the last position it counted, and it is the batch's first write:
 *   the embedded store writes the batch in one transaction, and MongoDB applies the rest only
 *   after it. So a document never holds an event its lane has not counted, and a redelivery
 *   after a crash between the two writes counts nothing twice. An event that a document holds
 *   but its lane does not (a rebuild, another lane before a repartition) was counted there.
 * A lost compare-and-set (a concurrent writer) reads again and retries the whole batch. Key
 * documents so that one lane writes each (the bus's partition key, the beneficiary): on MongoDB
 * a lane whose documents another lane changed in between would keep counts made from the
 * document it first read (ADR 8).
 */
export const applyBatch = async <E extends SourcedEvent, T extends object>(
  store: ReadStore,
  projection: DocumentProjection<E, T>,
  lane: string,
  events: readonly E[],
  { maxRetries = 10 }: { maxRetries?: number } = {},
): Promise<{ applied: number }> => {
  const relevant = events.flatMap((event) => {
    const id = projection.documentId(event);
    return id === undefined ? [] : [{ id, event }];
  });
  if (relevant.length === 0) return { applied: 0 };
  const counters = projection.counters;
  // In key order, for the reads and the writes below: the store visits its index pages in order, once each.
  const ids = [...new Set(relevant.map(({ id }) => id))].sort();
  for (let attempt = 0; ; attempt++) {
    const [stored, laneDocument] = await Promise.all([
      projection.documents.getMany(ids),
      counters ? counters.collection.get(lane) : Promise.resolve(null),
    ]);
    const working = new Map<string, VersionedDocument<T>>(stored.map((document) => [document.id, document]));
    const changed = new Set<string>();
    const counts = new Map(Object.entries(laneDocument?.data.counts ?? {}));
    let lanePosition = laneDocument?.data.position;
    let counted = false;
    let applied = 0;

    for (const { id, event } of relevant) {
      const current = working.get(id);
      const { stream, revision, position } = event.source;
      const held = current !== undefined && appliedRevision(current.checkpoint, stream) >= revision;
      const laneHolds = lanePosition !== undefined && compareLogPositions(position, lanePosition) <= 0;
      if (counters && !laneHolds) {
        lanePosition = position;
        counted = true;
      }
      if (held) continue;
      const next = projection.evolve(current ? current.data : null, event);
      if (counters && !laneHolds) {
        for (const key of current ? counters.countAs(current.data) : []) counts.set(key, (counts.get(key) ?? 0) - 1);
        for (const key of counters.countAs(next)) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      working.set(id, {
        id,
        version: current?.version ?? 0,
        checkpoint: { ...current?.checkpoint, [stream]: revision },
        data: next,
      });
      changed.add(id);
      applied++;
    }

    const writes: DocumentWrite[] = [];
    if (counters && counted) {
      writes.push({
        collection: counters.collection.name,
        id: lane,
        data: { position: lanePosition!, counts: Object.fromEntries([...counts].filter(([, n]) => n !== 0)) } satisfies LaneCounts,
        expectedVersion: laneDocument?.version ?? 0,
      });
    }
    for (const id of ids) {
      if (!changed.has(id)) continue;
      const document = working.get(id)!;
      writes.push({ collection: projection.documents.name, id, data: document.data, expectedVersion: document.version, checkpoint: document.checkpoint });
    }
    if (writes.length === 0 || (await store.writeBatch(writes))) return { applied };
    if (attempt >= maxRetries) throw new ConcurrentUpdateError(`${projection.documents.name} batch of lane ${lane}`, attempt + 1);
    await backoff(attempt);
  }
};

/** The counts of every lane added up: what a report shows. */
export const sumLaneCounts = async (collection: DocumentCollection<LaneCounts>): Promise<Record<string, number>> => {
  const totals = new Map<string, number>();
  for (const lane of await collection.find()) {
    for (const [key, n] of Object.entries(lane.data.counts)) totals.set(key, (totals.get(key) ?? 0) + n);
  }
  return Object.fromEntries(totals);
};

/**
 * Every document of a collection (matching `filter`), a page at a time in id order: a walk over
 * a whole collection (an upgrade's one-time count) holds one page in memory, never them all.
 */
export async function* documentPages<T extends object>(collection: DocumentCollection<T>, filter?: Filter, pageSize = 1_000): AsyncGenerator<VersionedDocument<T>[]> {
  for (let afterId: string | undefined; ; ) {
    const page = await collection.find(filter, { limit: pageSize, ...(afterId !== undefined ? { afterId } : {}) });
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** The lane that holds the counts of documents written before the projection kept counters. */
const COUNTED_AT_UPGRADE = 'counted-at-upgrade';

/**
 * Counts the documents once when a projection that keeps counters finds documents but no
 * counter at all: a read store written before counters existed. The counts go to a lane of
 * their own, which no event arrives on; the events those documents hold are not counted again
 * (a document that holds an event stops its lane from counting it). It reads every document,
 * a page at a time, once, at the first boot after the upgrade; afterwards it reads one counter. Answers how many
 * documents it counted.
 */
export const countExistingDocuments = async <E extends SourcedEvent, T extends object>(projection: DocumentProjection<E, T>): Promise<number> => {
  const counters = projection.counters;
  if (!counters || (await counters.collection.find({}, { limit: 1 })).length > 0) return 0;
  const counts = new Map<string, number>();
  let documents = 0;
  for await (const page of documentPages(projection.documents)) {
    documents += page.length;
    for (const document of page) for (const key of counters.countAs(document.data)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (documents === 0) return 0;
  // Version 0: if a live batch counted first, the counters are no longer empty and this is moot.
  await counters.collection.write(COUNTED_AT_UPGRADE, { position: '0', counts: Object.fromEntries(counts) } satisfies LaneCounts, { expectedVersion: 0 });
  return documents;
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

/** A page of the global log, as the event store's `readAll` answers it. */
export interface LogPage<E> {
  events: readonly E[];
  /** Where the read stopped looking: the next read starts after it. */
  checkpoint?: string;
  endOfLog: boolean;
}

export interface RebuildProjectionOptions<E> {
  /** The projection's name: the key of its checkpoint. */
  name: string;
  checkpoints: Pick<ProjectionCheckpoints, 'reset' | 'save'>;
  /** The projection's collections, emptied before the replay. */
  collections: readonly DocumentCollection<object>[];
  /**
   * Reads the global log after `after` (from the start when undefined), e.g.
   * `(after, maxCount) => eventStore.readAll({ after, maxCount, streamPrefixes })`.
   */
  readAll: (after: string | undefined, maxCount: number) => Promise<LogPage<E>>;
  /** Applies a batch of events, in order (e.g. with `applyBatch`, in one write). */
  applyBatch: (events: readonly E[]) => Promise<void>;
  /** Events read at once; 10,000 unless told. */
  pageSize?: number;
  /**
   * Events applied at once (pages are gathered up to it); 50,000 unless told. Large batches
   * matter on the embedded store: a transaction writes each index page it touches once, and
   * random document ids touch about a page per document.
   */
  batchSize?: number;
  /** Called after each batch with the number of events applied so far. */
  onProgress?: (done: number) => void;
}

/**
 * Rebuilds a read model from the event store: empties its collections and forgets its
 * checkpoint, then replays the log, pages gathered into batches, saving the checkpoint after
 * each batch. Stop the live projection first: it would otherwise write into the
 * collections while they are emptied.
 */
export const rebuildProjection = async <E>(options: RebuildProjectionOptions<E>): Promise<{ events: number; position: string | undefined }> => {
  const pageSize = options.pageSize ?? 10_000;
  const batchSize = options.batchSize ?? 50_000;
  for (const collection of options.collections) await collection.drop();
  await options.checkpoints.reset(options.name);

  let position: string | undefined;
  let done = 0;
  let batch: E[] = [];
  const applyBatch = async (read: string | undefined) => {
    if (batch.length > 0) await options.applyBatch(batch);
    done += batch.length;
    batch = [];
    if (read !== undefined) await options.checkpoints.save(options.name, read);
    options.onProgress?.(done);
  };
  for (;;) {
    const page = await options.readAll(position, pageSize);
    batch.push(...page.events);
    const moved = page.checkpoint !== undefined && page.checkpoint !== position;
    // A reader that neither moves on nor ends would make this loop forever.
    if (!moved && !page.endOfLog) throw new Error(`readAll did not move past ${position ?? 'the start'}`);
    if (moved) position = page.checkpoint;
    if (page.endOfLog || batch.length >= batchSize) await applyBatch(moved || page.endOfLog ? position : undefined);
    if (page.endOfLog) break;
  }
  return { events: done, position };
};
