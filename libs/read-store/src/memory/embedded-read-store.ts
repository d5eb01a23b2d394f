import {
  assertCollectionName,
  assertDocumentId,
  assertExpectedVersion,
  assertFieldName,
  assertFilter,
  assertLimit,
  bucketName,
} from '../read-store.errors';
import type { DocumentCollection, Filter, ReadStore, VersionedDocument } from '../read-store.port';
import { SqliteDocumentFile } from './sqlite-document-file';

export interface EmbeddedReadStoreOptions {
  /** SQLite file the documents are written through to; none (or ':memory:'): memory only. */
  file?: string;
  /** How long opening waits for another process to release the file; 5 s unless told. */
  lockTimeoutMs?: number;
}

/**
 * A stored document. `data` went through JSON on its way in, so memory holds exactly what a
 * restart reads back from the file (a Date is a string in both), and it is never handed out:
 * readers get copies.
 */
interface StoredDocument {
  version: number;
  checkpoint: Record<string, number>;
  data: Record<string, unknown>;
}

const fieldOf = (data: Record<string, unknown>, field: string): unknown =>
  // Own fields only: `constructor` or `toString` are not fields of a document.
  Object.hasOwn(data, field) ? data[field] : undefined;

/** Equality on top-level fields; null matches a missing field too, as it does in MongoDB. */
const matches = (data: Record<string, unknown>, filter: Filter): boolean =>
  Object.entries(filter).every(([field, expected]) => {
    const actual = fieldOf(data, field);
    return expected === null ? actual === null || actual === undefined : actual === expected;
  });

/**
 * The read store of the embedded default (`npm start`, one process, no servers): documents
 * live in memory, one Map per collection, and every change is written through to a SQLite
 * file before it is visible, which is loaded back at open, so a restart loses nothing.
 *
 * Compare-and-set needs no lock: each operation checks and changes memory without awaiting
 * in between, and Node runs one operation at a time.
 */
export class EmbeddedReadStore implements ReadStore {
  readonly kind = 'memory';
  private readonly documents = new Map<string, Map<string, StoredDocument>>();
  private readonly collections = new Map<string, DocumentCollection<object>>();
  private closed = false;

  private constructor(private readonly file: SqliteDocumentFile | undefined) {}

  static open({ file, lockTimeoutMs }: EmbeddedReadStoreOptions = {}): EmbeddedReadStore {
    if (file === undefined || file === ':memory:') return new EmbeddedReadStore(undefined);
    const store = new EmbeddedReadStore(new SqliteDocumentFile(file, lockTimeoutMs));
    try {
      store.load();
    } catch (error) {
      void store.close();
      throw error;
    }
    return store;
  }

  collection<T extends object>(name: string): DocumentCollection<T> {
    assertCollectionName(name);
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new EmbeddedCollection<object>(name, this.documentsOf(name), this.file, () => this.assertOpen());
      this.collections.set(name, collection);
    }
    return collection as DocumentCollection<T>;
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    const documents = [...this.documents.values()].reduce((total, collection) => total + collection.size, 0);
    return {
      status: this.closed ? 'down' : 'up',
      kind: this.kind,
      details: { file: this.file?.file ?? null, collections: this.documents.size, documents },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.file?.close();
  }

  private load(): void {
    if (!this.file) return;
    // Memory is rebuilt from the file: it holds every document as last written.
    for (const row of this.file.rows()) {
      this.documentsOf(row.collection).set(row.id, {
        version: row.version,
        checkpoint: JSON.parse(row.checkpoint) as Record<string, number>,
        data: JSON.parse(row.data) as Record<string, unknown>,
      });
    }
  }

  private documentsOf(name: string): Map<string, StoredDocument> {
    let documents = this.documents.get(name);
    if (!documents) {
      documents = new Map();
      this.documents.set(name, documents);
    }
    return documents;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the read store is closed');
  }
}

class EmbeddedCollection<T extends object> implements DocumentCollection<T> {
  constructor(
    private readonly name: string,
    private readonly documents: Map<string, StoredDocument>,
    private readonly file: SqliteDocumentFile | undefined,
    private readonly assertOpen: () => void,
  ) {}

  async get(id: string): Promise<VersionedDocument<T> | null> {
    this.assertOpen();
    assertDocumentId(id);
    const stored = this.documents.get(id);
    return stored ? this.copy(id, stored) : null;
  }

  async write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean> {
    this.assertOpen();
    assertDocumentId(id);
    assertExpectedVersion(options.expectedVersion);
    const current = this.documents.get(id);
    if ((current?.version ?? 0) !== options.expectedVersion) return false;

    const dataJson = JSON.stringify(data);
    // A write that names no checkpoint keeps the one stored: it must not forget what was applied.
    const checkpoint = { ...(options.checkpoint ?? current?.checkpoint ?? {}) };
    const checkpointJson = JSON.stringify(checkpoint);
    const next: StoredDocument = {
      version: options.expectedVersion + 1,
      checkpoint: JSON.parse(checkpointJson) as Record<string, number>,
      data: JSON.parse(dataJson) as Record<string, unknown>,
    };
    // File first: if it throws, memory is unchanged and the caller sees the error.
    this.file?.save({ collection: this.name, id, version: next.version, checkpoint: checkpointJson, data: dataJson });
    this.documents.set(id, next);
    return true;
  }

  async delete(id: string): Promise<void> {
    this.assertOpen();
    assertDocumentId(id);
    if (!this.documents.has(id)) return;
    this.file?.delete(this.name, id);
    this.documents.delete(id);
  }

  async find(filter?: Filter, options: { limit?: number } = {}): Promise<VersionedDocument<T>[]> {
    this.assertOpen();
    const equalities = assertFilter(filter);
    assertLimit(options.limit);
    const found: VersionedDocument<T>[] = [];
    // Ordered by id, as the MongoDB adapter is, so a limit picks the same documents.
    for (const id of [...this.documents.keys()].sort()) {
      if (options.limit !== undefined && found.length >= options.limit) break;
      const stored = this.documents.get(id)!;
      if (matches(stored.data, equalities)) found.push(this.copy(id, stored));
    }
    return found;
  }

  async count(filter?: Filter): Promise<number> {
    this.assertOpen();
    const equalities = assertFilter(filter);
    let count = 0;
    for (const stored of this.documents.values()) if (matches(stored.data, equalities)) count++;
    return count;
  }

  async countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>> {
    this.assertOpen();
    assertFieldName(field);
    const equalities = assertFilter(filter);
    // A Map, not an object, while counting: a value such as "__proto__" is a bucket like any other.
    const counts = new Map<string, number>();
    for (const stored of this.documents.values()) {
      if (!matches(stored.data, equalities)) continue;
      const bucket = bucketName(fieldOf(stored.data, field));
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
    return Object.fromEntries(counts);
  }

  async drop(): Promise<void> {
    this.assertOpen();
    this.file?.drop(this.name);
    this.documents.clear();
  }

  private copy(id: string, stored: StoredDocument): VersionedDocument<T> {
    return {
      id,
      version: stored.version,
      checkpoint: { ...stored.checkpoint },
      data: structuredClone(stored.data) as T,
    };
  }
}
