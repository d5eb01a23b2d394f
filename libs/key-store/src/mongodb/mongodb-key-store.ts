import mongoose, { type Connection } from 'mongoose';
import { assertKeyId, assertWrappedKey, KeyPage, KeyStore, KeyStoreHealth, PutOutcome, StoredKey, WrappedKey } from '../key-store.port';

export interface MongoKeyStoreOptions {
  /** mongodb://… of a MongoDB-compatible server. */
  uri: string;
  /** A database of its own (KEY_STORE_MONGODB_DB), never a service's read-model database. */
  dbName: string;
  collection?: string;
  serverSelectionTimeoutMS?: number;
}

/** A key as the server holds it: its wrapped bytes while active, only `destroyedAt` once destroyed. */
interface KeyDocument {
  _id: string;
  mk?: string;
  iv?: string;
  tag?: string;
  key?: string;
  destroyedAt?: string;
}

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;

const toStoredKey = (document: KeyDocument): StoredKey =>
  document.destroyedAt !== undefined
    ? { id: document._id, status: 'destroyed', destroyedAt: document.destroyedAt }
    : { id: document._id, status: 'active', wrapped: { masterKeyId: document.mk!, iv: document.iv!, tag: document.tag!, key: document.key! } };

const fieldsOf = (wrapped: WrappedKey) => ({ mk: wrapped.masterKeyId, iv: wrapped.iv, tag: wrapped.tag, key: wrapped.key });

/**
 * The key store of the distributed run: one collection (`data_keys`) in a database of its own
 * (KEY_STORE_MONGODB_DB), apart from the services' read-model databases that rebuilds drop.
 * Every operation is one single-document atomic write (no transactions: mongo-java-server and
 * FerretDB offer none), acknowledged by a majority and journaled: a key must be durable before
 * the event it seals is appended.
 *
 * A destroy `$unset`s the key's fields and leaves `destroyedAt`. The server frees those bytes,
 * but its journal, oplog and backups may hold them until they roll over: a master-key rotation
 * (then the old master key's destruction) is what makes every such copy unreadable (ADR 0012).
 */
export class MongoKeyStore implements KeyStore {
  readonly kind = 'mongodb';

  private constructor(
    readonly connection: Connection,
    private readonly keys: mongoose.mongo.Collection<KeyDocument>,
  ) {}

  static async connect(options: MongoKeyStoreOptions): Promise<MongoKeyStore> {
    const connection = mongoose.createConnection(options.uri, {
      dbName: options.dbName,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
      bufferCommands: false,
    });
    try {
      await connection.asPromise();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    const keys = connection.db!.collection<KeyDocument>(options.collection ?? 'data_keys', { writeConcern: { w: 'majority', journal: true } });
    return new MongoKeyStore(connection, keys);
  }

  async put(id: string, wrapped: WrappedKey): Promise<PutOutcome> {
    assertKeyId(id);
    assertWrappedKey(wrapped);
    try {
      await this.keys.insertOne({ _id: id, ...fieldsOf(wrapped) });
      return 'created';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const stored = await this.keys.findOne({ _id: id });
    return stored?.destroyedAt !== undefined ? 'destroyed' : 'exists';
  }

  async get(id: string): Promise<StoredKey | undefined> {
    assertKeyId(id);
    const stored = await this.keys.findOne({ _id: id });
    return stored ? toStoredKey(stored) : undefined;
  }

  async rewrap(id: string, expectedMasterKeyId: string, wrapped: WrappedKey): Promise<boolean> {
    assertKeyId(id);
    assertWrappedKey(wrapped);
    const result = await this.keys.updateOne({ _id: id, mk: expectedMasterKeyId, destroyedAt: { $exists: false } }, { $set: fieldsOf(wrapped) });
    return result.modifiedCount === 1;
  }

  async destroy(id: string, at: Date): Promise<void> {
    assertKeyId(id);
    try {
      // Matches only a key not destroyed yet; an absent one is upserted as a tombstone.
      await this.keys.updateOne(
        { _id: id, destroyedAt: { $exists: false } },
        { $set: { destroyedAt: at.toISOString() }, $unset: { mk: '', iv: '', tag: '', key: '' } },
        { upsert: true },
      );
    } catch (error) {
      // The tombstone is there already (the upsert collided with it): destroyed before.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async list({ after = '', limit, notWrappedBy }: { after?: string; limit: number; notWrappedBy?: string }): Promise<KeyPage> {
    const filter = { _id: { $gt: after }, destroyedAt: { $exists: false }, ...(notWrappedBy === undefined ? {} : { mk: { $ne: notWrappedBy } }) };
    const documents = await this.keys.find(filter).sort({ _id: 1 }).limit(limit).toArray();
    const keys = documents.map((document) => ({ id: document._id, wrapped: (toStoredKey(document) as Extract<StoredKey, { status: 'active' }>).wrapped }));
    return documents.length === limit && limit > 0 ? { keys, next: documents[documents.length - 1]!._id } : { keys };
  }

  async counts(): Promise<{ byMasterKey: Record<string, number>; destroyed: number }> {
    const groups = await this.keys
      .aggregate<{ _id: string; n: number }>([{ $match: { destroyedAt: { $exists: false } } }, { $group: { _id: '$mk', n: { $sum: 1 } } }])
      .toArray();
    const destroyed = await this.keys.countDocuments({ destroyedAt: { $exists: true } });
    return { byMasterKey: Object.fromEntries(groups.map(({ _id, n }) => [_id, n])), destroyed };
  }

  async health(): Promise<KeyStoreHealth> {
    const details = { dbName: this.connection.name, collection: this.keys.collectionName };
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
