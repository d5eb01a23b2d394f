import {
  assertCollectionName,
  assertDocumentId,
  assertExpectedVersion,
  assertFieldName,
  assertFilter,
  assertLimit,
  bucketName,
} from '../read-store.errors';
import type { CollectionOptions, DocumentCollection, DocumentWrite, Filter, FindOptions, ReadStore, VersionedDocument } from '../read-store.port';
import { type DocumentRow, type RowWrite, SqliteDocumentFile } from './sqlite-document-file';

export interface EmbeddedReadStoreOptions {
  /** SQLite file the documents live in; none (or ':memory:'): an in-memory database. */
  file?: string;
  /** How long opening waits for another process to release the file; 5 s unless told. */
  lockTimeoutMs?: number;
}

/** Each read parses the stored JSON afresh, so a reader may change what it got. */
const toVersioned = <T>(row: DocumentRow): VersionedDocument<T> => ({
  id: row.id,
  version: row.version,
  checkpoint: JSON.parse(row.checkpoint) as Record<string, number>,
  data: JSON.parse(row.data) as T,
});

/** Checks one write as `DocumentCollection.write` does, and makes its JSON. */
const toRowWrite = (
  collection: string,
  id: string,
  data: object,
  expectedVersion: number,
  checkpoint: Record<string, number> | undefined,
): RowWrite => {
  assertDocumentId(id);
  assertExpectedVersion(expectedVersion);
  return {
    collection,
    id,
    expectedVersion,
    data: JSON.stringify(data),
    checkpoint: checkpoint === undefined ? undefined : JSON.stringify(checkpoint),
  };
};

/**
 * The read store of the embedded default (`npm start`, one process, no servers): documents
 * live in a SQLite file and are read, filtered and counted there, through the indexes each
 * collection declares. Memory holds SQLite's bounded page cache, not the documents, and
 * opening reads nothing but the schema, so neither grows with the history (ADR 7).
 *
 * Compare-and-set needs no lock: better-sqlite3 is synchronous, so each operation checks and
 * writes in one statement (a batch in one transaction) before another can start.
 */
export class EmbeddedReadStore implements ReadStore {
  readonly kind = 'memory';
  private readonly collections = new Map<string, DocumentCollection<object>>();
  private closed = false;

  private constructor(private readonly documents: SqliteDocumentFile) {}

  static open({ file, lockTimeoutMs }: EmbeddedReadStoreOptions = {}): EmbeddedReadStore {
    return new EmbeddedReadStore(new SqliteDocumentFile(file ?? ':memory:', lockTimeoutMs));
  }

  collection<T extends object>(name: string, options: CollectionOptions<T> = {}): DocumentCollection<T> {
    this.assertOpen();
    assertCollectionName(name);
    let collection = this.collections.get(name);
    if (!collection) {
      const indexes = options.indexes ?? [];
      indexes.forEach(assertFieldName);
      this.documents.createIndexes(name, indexes);
      collection = new EmbeddedCollection<object>(name, this.documents, () => this.assertOpen());
      this.collections.set(name, collection);
    }
    return collection as DocumentCollection<T>;
  }

  async writeBatch(writes: readonly DocumentWrite[]): Promise<boolean> {
    this.assertOpen();
    // Every write is checked before any is made: a bad one fails the batch, writing nothing.
    const rows = writes.map((write) => {
      assertCollectionName(write.collection);
      return toRowWrite(write.collection, write.id, write.data, write.expectedVersion, write.checkpoint);
    });
    return this.documents.writeBatch(rows);
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    // The file's size, not a count of its documents: a health check must not cost the history.
    const details = { file: this.documents.file === ':memory:' ? null : this.documents.file };
    if (this.closed) return { status: 'down', kind: this.kind, details };
    return { status: 'up', kind: this.kind, details: { ...details, bytes: this.documents.bytes() } };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.documents.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the read store is closed');
  }
}

class EmbeddedCollection<T extends object> implements DocumentCollection<T> {
  constructor(
    readonly name: string,
    private readonly documents: SqliteDocumentFile,
    private readonly assertOpen: () => void,
  ) {}

  async get(id: string): Promise<VersionedDocument<T> | null> {
    this.assertOpen();
    assertDocumentId(id);
    const row = this.documents.get(this.name, id);
    return row ? toVersioned<T>(row) : null;
  }

  async getMany(ids: readonly string[]): Promise<VersionedDocument<T>[]> {
    this.assertOpen();
    ids.forEach(assertDocumentId);
    return this.documents.getMany(this.name, ids).map((row) => toVersioned<T>(row));
  }

  async write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean> {
    this.assertOpen();
    return this.documents.write(toRowWrite(this.name, id, data, options.expectedVersion, options.checkpoint));
  }

  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertDocumentId(id);
    this.documents.delete(this.name, id);
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<VersionedDocument<T>[]> {
    this.assertOpen();
    const equalities = assertFilter(filter);
    assertLimit(options.limit);
    if (options.afterId !== undefined) assertDocumentId(options.afterId);
    // Ordered by id, as the MongoDB adapter is, so a limit picks the same documents.
    return this.documents.find(this.name, equalities, options.limit, options.afterId).map((row) => toVersioned<T>(row));
  }

  async findIds(filter?: Filter, options: { limit?: number } = {}): Promise<string[]> {
    this.assertOpen();
    const equalities = assertFilter(filter);
    assertLimit(options.limit);
    return this.documents.findIds(this.name, equalities, options.limit);
  }

  async count(filter?: Filter): Promise<number> {
    this.assertOpen();
    return this.documents.count(this.name, assertFilter(filter));
  }

  async countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>> {
    this.assertOpen();
    assertFieldName(field);
    const groups = this.documents.countBy(this.name, field, assertFilter(filter));
    // Summed by bucket name, since 1 and "1" are two groups but one bucket; a Map keeps a
    // value such as "__proto__" an ordinary bucket.
    const counts = new Map<string, number>();
    for (const { value, n } of groups) {
      const bucket = bucketName(JSON.parse(value));
      counts.set(bucket, (counts.get(bucket) ?? 0) + n);
    }
    return Object.fromEntries(counts);
  }

  async drop(): Promise<void> {
    this.assertOpen();
    this.documents.drop(this.name);
  }
}
