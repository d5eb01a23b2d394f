import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertKeyId, assertWrappedKey, KeyPage, KeyStore, KeyStoreHealth, PutOutcome, StoredKey, WrappedKey } from '../key-store.port';

interface KeyRow {
  id: string;
  master_key_id: string | null;
  iv: string | null;
  tag: string | null;
  wrapped_key: string | null;
  destroyed_at: string | null;
}

/*
 * One row per key; a destroyed key keeps its row (the tombstone) with every byte of the key set
 * to NULL. WITHOUT ROWID: the row lives in the primary key's b-tree, one lookup per get.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    master_key_id TEXT,
    iv            TEXT,
    tag           TEXT,
    wrapped_key   TEXT,
    destroyed_at  TEXT,
    CHECK ((destroyed_at IS NULL) = (wrapped_key IS NOT NULL))
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS data_keys_by_master_key ON data_keys (master_key_id) WHERE master_key_id IS NOT NULL;
`;

/** Created 0600 before SQLite opens it (SQLite would create it 0644 less the umask), tightened if older. */
const openOwnerOnly = (file: string): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
};

const toStoredKey = (row: KeyRow): StoredKey =>
  row.destroyed_at !== null
    ? { id: row.id, status: 'destroyed', destroyedAt: row.destroyed_at }
    : { id: row.id, status: 'active', wrapped: { masterKeyId: row.master_key_id!, iv: row.iv!, tag: row.tag!, key: row.wrapped_key! } };

/**
 * The embedded key store: a SQLite file of its own (`<DATA_DIR>/keys.sqlite`), apart from the
 * event store and from every read store, so that no rebuild or read-model tool opens it.
 *
 * - 0600 in a 0700 directory, like the other data files (ADR 0010).
 * - `secure_delete = ON`: SQLite overwrites with zeros what a write frees (the old cell of an
 *   updated row, freed pages), so a destroyed key's bytes do not linger in the file.
 * - WAL, so that `npm run backup` (another process) reads it while the service writes; after a
 *   destroy, a `wal_checkpoint(TRUNCATE)` copies the zeroed pages into the file and empties the
 *   WAL, whose older frames still held the key. When a reader (a backup) keeps the checkpoint
 *   from finishing, it is tried again every second until it does, at close and at the next open.
 * - `synchronous = FULL`: a key is on disk before the event it seals is appended, so a power
 *   cut never leaves an event whose key was lost.
 * - Not locked to one process (unlike the embedded read stores): the backup and the master-key
 *   rotation open it too; every write is one statement, atomic on its own.
 */
export class SqliteKeyStore implements KeyStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements;
  /** A destroy whose WAL checkpoint did not finish yet (a reader held an older snapshot). */
  private checkpointPending = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly busyTimeoutMs: number;

  constructor(
    readonly file: string,
    { busyTimeoutMs = 5_000 }: { busyTimeoutMs?: number } = {},
  ) {
    this.busyTimeoutMs = busyTimeoutMs;
    openOwnerOnly(file);
    this.db = new Database(file);
    try {
      this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      this.db.pragma('secure_delete = ON');
      this.db.pragma('journal_mode = WAL');
      for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
      // A run that stopped after a destroy but before its checkpoint left the key in the WAL.
      this.checkpoint();
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.statements = {
      get: this.db.prepare<[string], KeyRow>('SELECT * FROM data_keys WHERE id = ?'),
      insert: this.db.prepare<[string, string, string, string, string]>(
        'INSERT INTO data_keys (id, master_key_id, iv, tag, wrapped_key) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      ),
      rewrap: this.db.prepare<[string, string, string, string, string, string]>(
        'UPDATE data_keys SET master_key_id = ?, iv = ?, tag = ?, wrapped_key = ? WHERE id = ? AND master_key_id = ? AND destroyed_at IS NULL',
      ),
      destroy: this.db.prepare<[string, string]>(
        `INSERT INTO data_keys (id, destroyed_at) VALUES (?, ?)
         ON CONFLICT (id) DO UPDATE SET master_key_id = NULL, iv = NULL, tag = NULL, wrapped_key = NULL,
           destroyed_at = coalesce(destroyed_at, excluded.destroyed_at)`,
      ),
      page: this.db.prepare<[string, number], KeyRow>('SELECT * FROM data_keys WHERE id > ? AND destroyed_at IS NULL ORDER BY id LIMIT ?'),
      pageNotWrappedBy: this.db.prepare<[string, string, number], KeyRow>(
        'SELECT * FROM data_keys WHERE id > ? AND destroyed_at IS NULL AND master_key_id <> ? ORDER BY id LIMIT ?',
      ),
      byMasterKey: this.db.prepare<[], { master_key_id: string; n: number }>(
        'SELECT master_key_id, count(*) AS n FROM data_keys WHERE master_key_id IS NOT NULL GROUP BY master_key_id',
      ),
      destroyed: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM data_keys WHERE destroyed_at IS NOT NULL'),
    };
  }

  /**
   * Group commit: the puts of one turn of the event loop (concurrent registrations) are written
   * in one transaction, so they share one sync to disk (`synchronous = FULL`) instead of paying
   * one each while the whole process waits on it.
   */
  async put(id: string, wrapped: WrappedKey): Promise<PutOutcome> {
    assertKeyId(id);
    assertWrappedKey(wrapped);
    return new Promise<PutOutcome>((resolve, reject) => {
      this.pendingPuts.push({ id, wrapped, resolve, reject });
      if (this.pendingPuts.length === 1) setImmediate(() => this.commitPuts());
    });
  }

  private readonly pendingPuts: { id: string; wrapped: WrappedKey; resolve(outcome: PutOutcome): void; reject(error: unknown): void }[] = [];

  private commitPuts(): void {
    const batch = this.pendingPuts.splice(0);
    try {
      const outcomes = this.db.transaction(() =>
        batch.map(({ id, wrapped }): PutOutcome => {
          if (this.statements.insert.run(id, wrapped.masterKeyId, wrapped.iv, wrapped.tag, wrapped.key).changes === 1) return 'created';
          return this.statements.get.get(id)!.destroyed_at !== null ? 'destroyed' : 'exists';
        }),
      )();
      batch.forEach((put, index) => put.resolve(outcomes[index]!));
    } catch (error) {
      for (const put of batch) put.reject(error);
    }
  }

  async get(id: string): Promise<StoredKey | undefined> {
    assertKeyId(id);
    const row = this.statements.get.get(id);
    return row ? toStoredKey(row) : undefined;
  }

  async rewrap(id: string, expectedMasterKeyId: string, wrapped: WrappedKey): Promise<boolean> {
    assertKeyId(id);
    assertWrappedKey(wrapped);
    return this.statements.rewrap.run(wrapped.masterKeyId, wrapped.iv, wrapped.tag, wrapped.key, id, expectedMasterKeyId).changes === 1;
  }

  async destroy(id: string, at: Date): Promise<void> {
    assertKeyId(id);
    this.statements.destroy.run(id, at.toISOString());
    this.checkpoint();
  }

  async list({ after = '', limit, notWrappedBy }: { after?: string; limit: number; notWrappedBy?: string }): Promise<KeyPage> {
    const rows =
      notWrappedBy === undefined ? this.statements.page.all(after, limit) : this.statements.pageNotWrappedBy.all(after, notWrappedBy, limit);
    const keys = rows.map((row) => ({ id: row.id, wrapped: (toStoredKey(row) as Extract<StoredKey, { status: 'active' }>).wrapped }));
    return rows.length === limit && rows.length > 0 ? { keys, next: rows[rows.length - 1]!.id } : { keys };
  }

  async counts(): Promise<{ byMasterKey: Record<string, number>; destroyed: number }> {
    return {
      byMasterKey: Object.fromEntries(this.statements.byMasterKey.all().map(({ master_key_id, n }) => [master_key_id, n])),
      destroyed: this.statements.destroyed.get()!.n,
    };
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      this.statements.destroyed.get();
      return { status: 'up', kind: this.kind, details: { file: this.file, ...(this.checkpointPending ? { checkpointPending: true } : {}) } };
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { file: this.file, error: String(error) } };
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.retry);
    if (!this.db.open) return;
    if (this.pendingPuts.length > 0) this.commitPuts();
    this.checkpoint();
    this.db.close();
  }

  /** Copies the WAL into the file and empties it: what a destroy zeroed is then zeroed everywhere. */
  private checkpoint(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    let busy: boolean;
    // Without waiting: a reader (a backup) may hold its snapshot for long, and better-sqlite3
    // would wait synchronously, the whole process with it. Busy now: tried again in a second.
    this.db.pragma('busy_timeout = 0');
    try {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      busy = (result?.busy ?? 0) !== 0;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      busy = true;
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
    this.checkpointPending = busy;
    if (busy) {
      this.retry = setTimeout(() => this.db.open && this.checkpoint(), 1_000);
      this.retry.unref();
    }
  }
}
