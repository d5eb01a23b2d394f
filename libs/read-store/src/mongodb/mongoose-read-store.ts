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
import type { CollectionOptions, DocumentCollection, DocumentWrite, Filter, FindOptions, ReadStore, VersionedDocument } from '../read-store.port';

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

/** One compare-and-set write of a batch, for the collection it names. */
type CollectionWrite = Omit<DocumentWrite, 'collection'>;

const DUPLICATE_KEY = 11000;
/** Server error codes that mean the index is there already, under another name or spec. */
const INDEX_ALREADY_THERE = new Set<unknown>([
  68, // IndexAlreadyExists (older servers)
  85, // IndexOptionsConflict: the same keys, created by another service with other options
]);
/** Two services creating the same collection at once, one through an index: try again. */
const NAMESPACE_EXISTS = 48;

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

const isDuplicateKey = (error: unknown): boolean => codeOf(error) === DUPLICATE_KEY;

const storedDocumentSchema = (indexes: readonly string[]): Schema<StoredDocument> => {
  const schema = new Schema<StoredDocument>(
    { _id: String, v: Number, cp: Schema.Types.Mixed, data: Schema.Types.Mixed },
    {
      versionKey: false,
      // Keep empty objects: `{}` is a valid checkpoint and valid data.
      minimize: false,
      // Collections are created by their first insert or index, never by mongoose on its own,
      // and the declared indexes are created by MongooseCollection, which tolerates another
      // service creating them at the same time (mongoose's autoIndex would not).
      autoCreate: false,
      autoIndex: false,
    },
  );
  // Every compare-and-set filters on `{ _id, v }`. MongoDB finds the document through `_id`
  // anyway, but mongo-java-server uses an index only for a query naming exactly its keys, and
  // without this one each compare-and-set scanned the whole collection: its cost grew with the
  // history (writeBatch of 500 updates, 20,000 documents: 167 writes/s without it, 11,850 with).
  schema.index({ _id: 1, v: 1 }, { unique: true, name: 'id_version' });
  for (const field of indexes) {
    // The compound one serves a limited find in `_id` order from the index (MongoDB); the
    // single one is what mongo-java-server uses for an equality on the field alone.
    schema.index({ [`data.${field}`]: 1 });
    schema.index({ [`data.${field}`]: 1, _id: 1 });
  }
  return schema;
};

const storedFor = (id: string, data: object, checkpoint: Record<string, number> | undefined): StoredDocument => ({
  _id: id,
  v: 1,
  cp: checkpoint ?? {},
  data: data as Record<string, unknown>,
});

/** The update of a write on an existing document. */
const changesFor = (data: object, { expectedVersion, checkpoint }: { expectedVersion: number; checkpoint?: Record<string, number> }) => {
  // A write that names no checkpoint keeps the one stored: it must not forget what was applied.
  const changes: Partial<StoredDocument> = { v: expectedVersion + 1, data: data as Record<string, unknown> };
  if (checkpoint) changes.cp = checkpoint;
  return { $set: changes };
};

const assertWrite = (id: string, expectedVersion: number): void => {
  assertDocumentId(id);
  assertExpectedVersion(expectedVersion);
};

/** `{ status: 'open' }` → `{ 'data.status': 'open' }`, names and values checked first. */
const toMongoFilter = (filter: Filter | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(assertFilter(filter)).map(([field, value]) => [`data.${field}`, value]));

/**
 * Read store on a MongoDB-compatible server through mongoose: one connection, one MongoDB
 * collection per read-model collection, each document `{ _id: id, v, cp, data }`.
 * Uses only single-document atomic operations (compare-and-set on `v`), one at a time or
 * several in an unordered bulkWrite: no transactions or change streams, which FerretDB and
 * mongo-java-server do not offer. Declared indexes are on `data.<field>`.
 *
 * The server must check an update's filter atomically with the write, as MongoDB and
 * mongo-java-server do. FerretDB 1.x does not: it queries, then updates by `_id`, so two
 * writers with the same expected version both win (FerretDB/FerretDB#3040).
 */
export class MongooseReadStore implements ReadStore {
  readonly kind = 'mongodb';
  // Typed per call by `collection<T>()`: one instance serves every T a caller names.
  private readonly collections = new Map<string, MongooseCollection<object>>();
  /** Indexes a server refused, by collection: queries still answer, without them. */
  private readonly indexProblems = new Map<string, string>();

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

  collection<T extends object>(name: string, options: CollectionOptions<T> = {}): DocumentCollection<T> {
    return this.collectionOf(name, options.indexes) as unknown as DocumentCollection<T>;
  }

  /**
   * `writes[0]` alone, then the rest with one unordered bulkWrite per collection (MongoDB has
   * no write across collections): see the port for what a false answer leaves behind.
   */
  async writeBatch(writes: readonly DocumentWrite[]): Promise<boolean> {
    for (const write of writes) {
      assertCollectionName(write.collection);
      assertWrite(write.id, write.expectedVersion);
    }
    const [first, ...rest] = writes;
    if (!first) return true;
    if (!(await this.collectionOf(first.collection).write(first.id, first.data, first))) return false;

    const byCollection = new Map<string, CollectionWrite[]>();
    for (const write of rest) {
      const writesOfCollection = byCollection.get(write.collection) ?? [];
      writesOfCollection.push(write);
      byCollection.set(write.collection, writesOfCollection);
    }
    const applied = await Promise.all([...byCollection].map(([name, ofCollection]) => this.collectionOf(name).writeAll(ofCollection)));
    return applied.every(Boolean);
  }

  async health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }> {
    const details: Record<string, unknown> = { dbName: this.connection.name, host: this.connection.host };
    if (this.indexProblems.size > 0) details.indexProblems = Object.fromEntries(this.indexProblems);
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

  private collectionOf(name: string, indexes: readonly string[] = []): MongooseCollection<object> {
    assertCollectionName(name);
    let collection = this.collections.get(name);
    if (!collection) {
      indexes.forEach(assertFieldName);
      const model = this.connection.models[name] ?? this.connection.model<StoredDocument>(name, storedDocumentSchema(indexes), name);
      collection = new MongooseCollection<object>(name, model as Model<StoredDocument>, (problem) => this.indexProblems.set(name, problem));
      this.collections.set(name, collection);
    }
    return collection;
  }
}

class MongooseCollection<T extends object> implements DocumentCollection<T> {
  /** Settles once the schema's indexes were created or found; undefined: not tried yet. */
  private indexes: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly model: Model<StoredDocument>,
    private readonly reportIndexProblem: (problem: string) => void,
  ) {}

  async get(id: string): Promise<VersionedDocument<T> | null> {
    assertDocumentId(id);
    await this.ready();
    const stored = await this.model.findById(id).lean<StoredDocument>().exec();
    return stored ? this.toVersioned(stored) : null;
  }

  async getMany(ids: readonly string[]): Promise<VersionedDocument<T>[]> {
    ids.forEach(assertDocumentId);
    if (ids.length === 0) return [];
    await this.ready();
    const found = await this.model
      .find({ _id: { $in: [...new Set(ids)] } })
      .lean<StoredDocument[]>()
      .exec();
    return found.map((stored) => this.toVersioned(stored));
  }

  async write(id: string, data: T, options: { expectedVersion: number; checkpoint?: Record<string, number> }): Promise<boolean> {
    assertWrite(id, options.expectedVersion);
    await this.ready();
    if (options.expectedVersion === 0) {
      try {
        await this.model.insertOne(storedFor(id, data, options.checkpoint));
        return true;
      } catch (error) {
        // The id is taken: someone created it first.
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    const result = await this.model.updateOne({ _id: id, v: options.expectedVersion }, changesFor(data, options)).exec();
    return result.matchedCount === 1;
  }

  /**
   * Writes checked by the caller, in one unordered bulkWrite: each is applied or not on its
   * own, as `write` would (an insert whose id is taken, an update whose version moved on, is
   * not applied). True when every one applied.
   */
  async writeAll(writes: readonly CollectionWrite[]): Promise<boolean> {
    await this.ready();
    const operations = writes.map((write): mongoose.mongo.AnyBulkWriteOperation<StoredDocument> =>
      write.expectedVersion === 0
        ? { insertOne: { document: storedFor(write.id, write.data, write.checkpoint) } }
        : { updateOne: { filter: { _id: write.id, v: write.expectedVersion }, update: changesFor(write.data, write) } },
    );
    try {
      // The driver's collection: mongoose would cast and wrap what the driver answers.
      const collection = this.model.collection as unknown as mongoose.mongo.Collection<StoredDocument>;
      const result = await collection.bulkWrite(operations, { ordered: false });
      return result.insertedCount + result.matchedCount === operations.length;
    } catch (error) {
      // Taken ids are writes that did not apply; any other error is the caller's to see.
      if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) throw error;
      if ([error.writeErrors].flat().some((writeError) => writeError.code !== DUPLICATE_KEY)) throw error;
      return false;
    }
  }

  async delete(id: string): Promise<void> {
    assertDocumentId(id);
    await this.ready();
    await this.model.deleteOne({ _id: id }).exec();
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<VersionedDocument<T>[]> {
    assertLimit(options.limit);
    if (options.afterId !== undefined) assertDocumentId(options.afterId);
    const mongoFilter = toMongoFilter(filter);
    const query = this.model.find(options.afterId === undefined ? mongoFilter : { ...mongoFilter, _id: { $gt: options.afterId } }).sort({ _id: 1 });
    if (options.limit !== undefined) query.limit(options.limit);
    await this.ready();
    const found = await query.lean<StoredDocument[]>().exec();
    return found.map((stored) => this.toVersioned(stored));
  }

  async findIds(filter?: Filter, options: { limit?: number } = {}): Promise<string[]> {
    const query = this.model.find(toMongoFilter(filter), { _id: 1 }).sort({ _id: 1 });
    assertLimit(options.limit);
    if (options.limit !== undefined) query.limit(options.limit);
    await this.ready();
    const found = await query.lean<Pick<StoredDocument, '_id'>[]>().exec();
    return found.map((stored) => stored._id);
  }

  async count(filter?: Filter): Promise<number> {
    const query = this.model.countDocuments(toMongoFilter(filter));
    await this.ready();
    return query.exec();
  }

  async countBy(field: keyof T & string, filter?: Filter): Promise<Record<string, number>> {
    assertFieldName(field);
    const match = toMongoFilter(filter);
    await this.ready();
    const groups = await this.model
      .aggregate<{ _id: unknown; n: number }>([{ $match: match }, { $group: { _id: `$data.${field}`, n: { $sum: 1 } } }])
      .exec();
    // Summed by bucket name: 1 and "1" are two groups for MongoDB but one bucket here, and a
    // Map keeps a value such as "__proto__" an ordinary bucket.
    const counts = new Map<string, number>();
    for (const group of groups) counts.set(bucketName(group._id), (counts.get(bucketName(group._id)) ?? 0) + group.n);
    return Object.fromEntries(counts);
  }

  async drop(): Promise<void> {
    await this.ready();
    // deleteMany rather than dropping the collection: it keeps its indexes, and needs no
    // catalog change that a compatible server might handle differently.
    await this.model.deleteMany({}).exec();
  }

  /**
   * The schema's indexes, created before this process first uses the collection. Several
   * services may open it at once: an index someone else created, or is creating, is fine.
   * Indexes make queries cheap, never right, so a server that refuses one is reported in
   * the store's health rather than failing every operation; a failure to reach the server
   * is tried again by the next operation.
   */
  private ready(): Promise<void> {
    this.indexes ??= this.createIndexes().catch((error: unknown) => {
      if (error instanceof mongoose.mongo.MongoServerError) {
        this.reportIndexProblem(error.message);
      } else {
        this.indexes = undefined;
      }
    });
    return this.indexes;
  }

  private async createIndexes(): Promise<void> {
    for (const [key, options] of this.model.schema.indexes()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.model.collection.createIndex(key as Record<string, 1>, options as mongoose.mongo.CreateIndexesOptions);
          break;
        } catch (error) {
          if (INDEX_ALREADY_THERE.has(codeOf(error))) break;
          if (codeOf(error) !== NAMESPACE_EXISTS || attempt >= 3) throw error;
        }
      }
    }
  }

  private toVersioned(stored: StoredDocument): VersionedDocument<T> {
    return { id: stored._id, version: stored.v, checkpoint: stored.cp ?? {}, data: stored.data as T };
  }
}
