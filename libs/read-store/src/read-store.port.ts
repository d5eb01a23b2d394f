/**
 * Read models: documents built from events, queried by the services' read endpoints.
 *
 * Each document is versioned for compare-and-set writes, and carries the checkpoint of what
 * was applied to it (the last revision applied from each source stream), so that its
 * checkpoint is stored atomically with it and a redelivered event is skipped.
 */
export type Scalar = string | number | boolean | null;

/** Equality filter on top-level fields of `data`. */
export type Filter = Record<string, Scalar>;

export interface VersionedDocument<T> {
  id: string;
  /** 1 after the first write, +1 on every replace. */
  version: number;
  /** Last revision applied from each source stream. */
  checkpoint: Record<string, number>;
  data: T;
}

export interface DocumentCollection<T extends object> {
  readonly name: string;
  get(id: string): Promise<VersionedDocument<T> | null>;
  /** The documents that exist among `ids`, in no particular order: one round trip for a batch. */
  getMany(ids: readonly string[]): Promise<VersionedDocument<T>[]>;
  /**
   * Writes `data` (and `checkpoint`) when the stored version is `expectedVersion`
   * (0: the document must not exist). Answers false, writing nothing, when it is not.
   */
  write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean>;
  delete(id: string): Promise<void>;
  /**
   * Matching documents, ordered by id; `limit`: the first ones; `afterId`: only those whose id
   * sorts after it (the next page: pass the last id of the previous one).
   */
  find(filter?: Filter, options?: FindOptions): Promise<VersionedDocument<T>[]>;
  /** The ids `find` would answer, without reading the documents: from the index alone where one serves the filter. */
  findIds(filter?: Filter, options?: { limit?: number }): Promise<string[]>;
  count(filter?: Filter): Promise<number>;
  /** Number of documents per distinct value of a top-level field of `data` (missing → "unknown"). */
  countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>>;
  /** Removes every document of the collection. */
  drop(): Promise<void>;
}

export interface CollectionOptions<T extends object> {
  /**
   * Top-level fields of `data` that `find`, `count` and `countBy` filter on: each gets an index
   * (embedded: a SQLite expression index; MongoDB: an index on `data.<field>` in the schema).
   */
  indexes?: readonly (keyof T & string)[];
}

/** One compare-and-set write of a batch: as `DocumentCollection.write`, naming its collection. */
export interface FindOptions {
  limit?: number;
  afterId?: string;
}

export interface DocumentWrite {
  collection: string;
  id: string;
  data: object;
  expectedVersion: number;
  checkpoint?: Record<string, number>;
}

export interface ReadStore {
  readonly kind: string;
  /** The same options must be given every time a name is opened (the first call's win). */
  collection<T extends object>(name: string, options?: CollectionOptions<T>): DocumentCollection<T>;
  /**
   * Writes a batch of compare-and-set writes; answers true when every write applied.
   * - Embedded: one transaction, all or nothing (false: nothing written).
   * - MongoDB (no multi-document transactions on the servers supported): `writes[0]` is
   *   applied first and alone, and only when it applied are the others applied, in any order;
   *   false when any did not apply, and those that applied stay. A caller puts first the write
   *   that records what the batch did (e.g. a counter's position), so a retry can tell.
   */
  writeBatch(writes: readonly DocumentWrite[]): Promise<boolean>;
  health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }>;
  close(): Promise<void>;
}
