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
  get(id: string): Promise<VersionedDocument<T> | null>;
  /**
   * Writes `data` (and `checkpoint`) when the stored version is `expectedVersion`
   * (0: the document must not exist). Answers false, writing nothing, when it is not.
   */
  write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean>;
  delete(id: string): Promise<void>;
  find(filter?: Filter, options?: { limit?: number }): Promise<VersionedDocument<T>[]>;
  count(filter?: Filter): Promise<number>;
  /** Number of documents per distinct value of a top-level field of `data` (missing → "unknown"). */
  countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>>;
  /** Removes every document of the collection. */
  drop(): Promise<void>;
}

export interface ReadStore {
  readonly kind: string;
  collection<T extends object>(name: string): DocumentCollection<T>;
  health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }>;
  close(): Promise<void>;
}
