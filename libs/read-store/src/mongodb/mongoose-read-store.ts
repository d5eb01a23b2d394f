import mongoose, { type Connection, type Model, Schema } from 'mongoose';
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

export interface MongooseReadStoreOptions {
  /** mongodb://… of a MongoDB-compatible server (MongoDB, FerretDB, mongo-java-server in tests). */
  uri: string;
  dbName: string;
  /** How long an operation waits for a reachable server before failing. */
  serverSelectionTimeoutMS?: number;
}

/** How a read-model document is stored: short field names, the checkpoint beside the data. */
interface StoredDocument {
  _id: string;
  /** Version, for compare-and-set. */
  v: number;
  /** Checkpoint: last revision applied from each source stream. */
  cp: Record<string, number>;
  data: Record<string, unknown>;
}

const DUPLICATE_KEY = 11000;

const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;

const storedDocumentSchema = (): Schema<StoredDocument> =>
  new Schema<StoredDocument>(
    { _id: String, v: Number, cp: Schema.Types.Mixed, data: Schema.Types.Mixed },
    {
      versionKey: false,
      // Keep empty objects: `{}` is a valid checkpoint and valid data.
      minimize: false,
      // Collections are created by their first insert and carry no secondary index: no
      // createCollection/createIndexes races between services sharing a database, and
      // nothing a MongoDB-compatible server might not implement.
      autoCreate: false,
      autoIndex: false,
    },
  );

/** `{ status: 'open' }` → `{ 'data.status': 'open' }`, names and values checked first. */
const toMongoFilter = (filter: Filter | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(assertFilter(filter)).map(([field, value]) => [`data.${field}`, value]));

/**
 * Read store on a MongoDB-compatible server through mongoose: one connection, one MongoDB
 * collection per read-model collection, each document `{ _id: id, v, cp, data }`.
 * Uses only single-document atomic operations (compare-and-set on `v`): no transactions or
 * change streams, which FerretDB and mongo-java-server do not offer.
 *
 * The server must check an update's filter atomically with the write, as MongoDB and
 * mongo-java-server do. FerretDB 1.x does not: it queries, then updates by `_id`, so two
 * writers with the same expected version both win (FerretDB/FerretDB#3040).
 */
export class MongooseReadStore implements ReadStore {
  readonly kind = 'mongodb';
  // Typed per call by `collection<T>()`: one instance serves every T a caller names.
  private readonly collections = new Map<string, DocumentCollection<object>>();

  /** The mongoose connection, for tests and tooling (e.g. dropping a test database). */
  private constructor(readonly connection: Connection) {}

  static async connect(options: MongooseReadStoreOptions): Promise<MongooseReadStore> {
    const connection = mongoose.createConnection(options.uri, {
      dbName: options.dbName,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
      // Fail an operation while disconnected instead of queueing it behind the reconnection.
      bufferCommands: false,
    });
    try {
      await connection.asPromise();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return new MongooseReadStore(connection);
  }

  collection<T extends object>(name: string): DocumentCollection<T> {
    assertCollectionName(name);
    let collection = this.collections.get(name);
    if (!collection) {
      const model = this.connection.models[name] ?? this.connection.model<StoredDocument>(name, storedDocumentSchema(), name);
      collection = new MongooseCollection<object>(model as Model<StoredDocument>);
      this.collections.set(name, collection);
    }
    return collection as DocumentCollection<T>;
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    const details = { dbName: this.connection.name, host: this.connection.host };
    const db = this.connection.db;
    if (this.connection.readyState !== mongoose.ConnectionStates.connected || !db) {
      return { status: 'down', kind: this.kind, details: { ...details, readyState: this.connection.readyState } };
    }
    try {
      await db.command({ ping: 1 });
      return { status: 'up', kind: this.kind, details };
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { ...details, error: (error as Error).message } };
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

class MongooseCollection<T extends object> implements DocumentCollection<T> {
  constructor(private readonly model: Model<StoredDocument>) {}

  async get(id: string): Promise<VersionedDocument<T> | null> {
    assertDocumentId(id);
    const stored = await this.model.findById(id).lean<StoredDocument>().exec();
    return stored ? this.toVersioned(stored) : null;
  }

  async write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean> {
    assertDocumentId(id);
    assertExpectedVersion(options.expectedVersion);
    if (options.expectedVersion === 0) {
      try {
        await this.model.insertOne({ _id: id, v: 1, cp: options.checkpoint ?? {}, data: data as Record<string, unknown> });
        return true;
      } catch (error) {
        // The id is taken: someone created it first.
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    // A write that names no checkpoint keeps the one stored: it must not forget what was applied.
    const changes: Partial<StoredDocument> = { v: options.expectedVersion + 1, data: data as Record<string, unknown> };
    if (options.checkpoint) changes.cp = options.checkpoint;
    const result = await this.model.updateOne({ _id: id, v: options.expectedVersion }, { $set: changes }).exec();
    return result.matchedCount === 1;
  }

  async delete(id: string): Promise<void> {
    assertDocumentId(id);
    await this.model.deleteOne({ _id: id }).exec();
  }

  async find(filter?: Filter, options: { limit?: number } = {}): Promise<VersionedDocument<T>[]> {
    const query = this.model.find(toMongoFilter(filter)).sort({ _id: 1 });
    assertLimit(options.limit);
    if (options.limit !== undefined) query.limit(options.limit);
    const found = await query.lean<StoredDocument[]>().exec();
    return found.map((stored) => this.toVersioned(stored));
  }

  async count(filter?: Filter): Promise<number> {
    return this.model.countDocuments(toMongoFilter(filter)).exec();
  }

  async countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>> {
    assertFieldName(field);
    const groups = await this.model
      .aggregate<{ _id: unknown; n: number }>([{ $match: toMongoFilter(filter) }, { $group: { _id: `$data.${field}`, n: { $sum: 1 } } }])
      .exec();
    // Summed by bucket name: 1 and "1" are two groups for MongoDB but one bucket here, and a
    // Map keeps a value such as "__proto__" an ordinary bucket.
    const counts = new Map<string, number>();
    for (const group of groups) counts.set(bucketName(group._id), (counts.get(bucketName(group._id)) ?? 0) + group.n);
    return Object.fromEntries(counts);
  }

  async drop(): Promise<void> {
    // deleteMany rather than dropping the collection: it keeps its indexes, and needs no
    // catalog change that a compatible server might handle differently.
    await this.model.deleteMany({}).exec();
  }

  private toVersioned(stored: StoredDocument): VersionedDocument<T> {
    return { id: stored._id, version: stored.v, checkpoint: stored.cp ?? {}, data: stored.data as T };
  }
}
