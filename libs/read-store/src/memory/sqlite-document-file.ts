import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Filter } from '../read-store.port';

/** A stored document as SQLite returns it: checkpoint and data are JSON text. */
export interface DocumentRow {
  id: string;
  version: number;
  checkpoint: string;
  data: string;
}

/** One compare-and-set write, its JSON already made; no checkpoint: keep the stored one. */
export interface RowWrite {
  collection: string;
  id: string;
  expectedVersion: number;
  data: string;
  checkpoint: string | undefined;
}

/** One countBy group: the field's JSON text ('null' for null and missing alike) and its count. */
export interface ValueCount {
  value: string;
  n: number;
}

/**
 * SQLite keeps at most this many KiB of pages in memory per store, whatever the history: the
 * rest stays in the file and is read back on demand (the OS page cache helps there).
 */
const PAGE_CACHE_KIB = 16 * 1024;

/**
 * The file holds personal data: its owner alone reads it (0600), whatever the umask, and a file
 * made by an earlier version is tightened at open. Created before SQLite opens it, because
 * SQLite creates a database 0644 less the umask.
 */
const openOwnerOnly = (file: string): void => {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
};

/**
 * SQLite gives the WAL (and, outside exclusive mode, shared-memory) files the database file's mode (os_unix.c,
 * findCreateFileMode), so new ones are 0600 already; these lines tighten ones left by a run
 * before the file was.
 */
const tightenCompanions = (file: string): void => {
  for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
};

/*
 * One table per collection, as MongoDB keeps one collection per name:
 * - dropping a collection is `DELETE FROM` the whole table, which SQLite does by freeing its
 *   pages (the truncate optimisation) instead of deleting row by row;
 * - rows go in rowid order, so a table page is written once, when it fills; only the narrow
 *   unique index on `id` takes writes at random places. Clustering rows by (collection, id)
 *   in one table (WITHOUT ROWID, the first layout) made every insert of a random id rewrite a
 *   random page of whole rows: 2.2 times slower to fill with 300,000 documents in batches of 2,000.
 */
const tableOf = (collection: string): string => `"docs:${collection}"`;

const tableSchema = (collection: string): string => `
  CREATE TABLE IF NOT EXISTS ${tableOf(collection)} (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    checkpoint TEXT NOT NULL,
    data       TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS "docs:${collection}:id" ON ${tableOf(collection)} (id);
`;

/** Filter shapes are few (code names them) but a field may come from a query string: bound. */
const MAX_CACHED_QUERIES = 256;

/** `'…'` for SQL text: names are validated before they get here, quotes are doubled anyway. */
const sqlText = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * The JSON path of a top-level field, quoted so that any name assertFieldName lets through
 * (spaces, brackets, quotes, backslashes) names exactly that key and nothing nested.
 */
const pathOf = (field: string): string => `$."${field.replace(/["\\]/g, (character) => `\\${character}`)}"`;

/**
 * The one SQL expression a field is compared, grouped and indexed by: the field's JSON text
 * (`->`), so `"1"`, `1` and `true` stay three values as they are in JavaScript and MongoDB
 * (json_extract would make true and 1 equal), and 'null' for a missing field as for null, so
 * that `{ field: null }` is one index lookup. A filter value compares as JSON.stringify(value):
 * the data was written by JSON.stringify too, and `->` hands back the text as stored. Every
 * query and index is built from this function, so their texts are identical, which is what
 * lets SQLite use an expression index.
 */
const valueOf = (field: string): string => `coalesce(data -> ${sqlText(pathOf(field))}, 'null')`;

/** The comparisons of an equality filter (and of a page's first id), and the parameters they take, in one order. */
const whereOf = (filter: Filter, afterId?: string): { sql: string; parameters: string[] } => {
  const fields = Object.keys(filter);
  const terms = fields.map((field) => `${valueOf(field)} = ?`);
  const parameters = fields.map((field) => JSON.stringify(filter[field]));
  if (afterId !== undefined) {
    terms.push('id > ?');
    parameters.push(afterId);
  }
  return { sql: terms.length > 0 ? `WHERE ${terms.join(' AND ')}` : '', parameters };
};

// ':' never appears in a collection name, so (collection, field) → name is one-to-one.
const indexName = (collection: string, field: string, suffix = ''): string => `"docs:${collection}:field:${field.replaceAll('"', '""')}${suffix}"`;

/** The statements of one collection's table, prepared once. */
interface CollectionStatements {
  selectOne: Database.Statement<[string], DocumentRow>;
  selectMany: Database.Statement<[string], DocumentRow>;
  insertRow: Database.Statement<[string, string, string]>;
  updateRow: Database.Statement<[number, string, string | null, string, number]>;
  deleteRow: Database.Statement<[string]>;
  deleteAll: Database.Statement<[]>;
}

/**
 * The SQLite database behind the embedded read store: every document is one row of its
 * collection's table, its checkpoint in the same row, so one statement makes a document and
 * what was applied to it durable together. Documents are read and queried where they lie;
 * nothing is loaded at open. `:memory:` keeps the same database in memory (tests).
 */
export class SqliteDocumentFile {
  private readonly db: Database.Database;
  private readonly tables = new Map<string, CollectionStatements>();
  /** Filter queries by SQL text, least recently used first. */
  private readonly queries = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly applyBatch: (writes: readonly RowWrite[]) => void;

  /** `lockTimeoutMs`: how long to wait for a previous owner of the file to let go. */
  constructor(
    readonly file: string,
    lockTimeoutMs = 5_000,
  ) {
    const inMemory = file === ':memory:';
    if (!inMemory) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      openOwnerOnly(file);
    }
    this.db = new Database(file, { timeout: lockTimeoutMs });
    try {
      if (!inMemory) this.ownFile();
      this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      this.migrateFromSharedTable();
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.applyBatch = this.db.transaction((writes: readonly RowWrite[]) => {
      // Throwing rolls the transaction back: the batch is all or nothing.
      for (const write of writes) if (!this.write(write)) throw new StaleWrite();
    });
  }

  get(collection: string, id: string): DocumentRow | undefined {
    return this.table(collection).selectOne.get(id);
  }

  getMany(collection: string, ids: readonly string[]): DocumentRow[] {
    return ids.length === 0 ? [] : this.table(collection).selectMany.all(JSON.stringify(ids));
  }

  write(write: RowWrite): boolean {
    const { collection, id, expectedVersion, data, checkpoint } = write;
    const table = this.table(collection);
    const result =
      expectedVersion === 0
        ? table.insertRow.run(id, checkpoint ?? '{}', data)
        : table.updateRow.run(expectedVersion + 1, data, checkpoint ?? null, id, expectedVersion);
    return result.changes === 1;
  }

  /** Every write in one transaction; false, with nothing written, when one of them is stale. */
  writeBatch(writes: readonly RowWrite[]): boolean {
    try {
      this.applyBatch(writes);
      return true;
    } catch (error) {
      if (error instanceof StaleWrite) return false;
      throw error;
    }
  }

  delete(collection: string, id: string): void {
    this.table(collection).deleteRow.run(id);
  }

  drop(collection: string): void {
    this.table(collection).deleteAll.run();
  }

  /**
   * An index per field on (the expression its queries compare, id), so a filter or a count on
   * the field reads the index, and a limited find (ordered by id) reads only the rows it
   * returns, however many documents share the value. IF NOT EXISTS: reopening a file, or a
   * collection opened twice, builds nothing again. An index of the first form (the field
   * alone, whose limited finds sorted every match) is replaced.
   */
  createIndexes(collection: string, fields: readonly string[]): void {
    this.table(collection);
    for (const field of fields) {
      this.db.exec(`DROP INDEX IF EXISTS ${indexName(collection, field)}`);
      this.db.exec(`CREATE INDEX IF NOT EXISTS ${indexName(collection, field, ':id')} ON ${tableOf(collection)} (${valueOf(field)}, id)`);
    }
  }

  /** Matching rows ordered by id, after `afterId` when given; `limit` undefined: all of them. */
  find(collection: string, filter: Filter, limit: number | undefined, afterId?: string): DocumentRow[] {
    this.table(collection);
    const where = whereOf(filter, afterId);
    const query = this.query<DocumentRow>(`SELECT id, version, checkpoint, data FROM ${tableOf(collection)} ${where.sql} ORDER BY id LIMIT ?`);
    return query.all(...where.parameters, limit ?? -1);
  }

  /** The ids of the matching rows ordered by id; an index on (field, id) answers them alone. */
  findIds(collection: string, filter: Filter, limit: number | undefined): string[] {
    this.table(collection);
    const where = whereOf(filter);
    const query = this.query<{ id: string }>(`SELECT id FROM ${tableOf(collection)} ${where.sql} ORDER BY id LIMIT ?`);
    return query.all(...where.parameters, limit ?? -1).map(({ id }) => id);
  }

  count(collection: string, filter: Filter): number {
    this.table(collection);
    const where = whereOf(filter);
    return this.query<{ n: number }>(`SELECT count(*) AS n FROM ${tableOf(collection)} ${where.sql}`).get(...where.parameters)!.n;
  }

  countBy(collection: string, field: string, filter: Filter): ValueCount[] {
    this.table(collection);
    const where = whereOf(filter);
    const query = this.query<ValueCount>(`SELECT ${valueOf(field)} AS value, count(*) AS n FROM ${tableOf(collection)} ${where.sql} GROUP BY 1`);
    return query.all(...where.parameters);
  }

  /** The database's size: two pragmas read from its header, whatever the number of documents. */
  bytes(): number {
    return (this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    this.db.close();
  }

  /** The collection's table, created on first use, and its statements. */
  private table(collection: string): CollectionStatements {
    let statements = this.tables.get(collection);
    if (!statements) {
      this.db.exec(tableSchema(collection));
      const table = tableOf(collection);
      statements = {
        selectOne: this.db.prepare(`SELECT id, version, checkpoint, data FROM ${table} WHERE id = ?`),
        // The ids come as one JSON array: one statement whatever their number.
        selectMany: this.db.prepare(`SELECT id, version, checkpoint, data FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`),
        insertRow: this.db.prepare(`INSERT INTO ${table} (id, version, checkpoint, data) VALUES (?, 1, ?, ?) ON CONFLICT DO NOTHING`),
        // The version in the WHERE clause is the compare-and-set; a NULL checkpoint keeps the stored one.
        updateRow: this.db.prepare(`UPDATE ${table} SET version = ?, data = ?, checkpoint = coalesce(?, checkpoint) WHERE id = ? AND version = ?`),
        deleteRow: this.db.prepare(`DELETE FROM ${table} WHERE id = ?`),
        // No WHERE: SQLite frees the table's pages at once instead of deleting row by row.
        deleteAll: this.db.prepare(`DELETE FROM ${table}`),
      };
      this.tables.set(collection, statements);
    }
    return statements;
  }

  /**
   * One process owns the file: an exclusive lock makes a second `npm start` on the same file
   * fail at boot instead of both writing to it from two processes that each think they own it.
   */
  private ownFile(): void {
    this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.pragma('journal_mode = WAL');
      tightenCompanions(this.file);
      // A write transaction takes the lock now, at open, and EXCLUSIVE mode never lets it go.
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      throw new Error(`${this.file} is held by another process: one process owns an embedded read store`, { cause: error });
    }
    // NORMAL in WAL mode survives a process crash; a power loss may roll back the last
    // commits, but a document and its checkpoint roll back together, so the projection
    // re-applies those events from the event store.
    this.db.pragma('synchronous = NORMAL');
  }

  /**
   * A file of the first layout (every collection in one `docs` table) is moved into a table
   * per collection, once, in one transaction. Declared indexes are built again when their
   * collections are opened.
   */
  private migrateFromSharedTable(): void {
    const shared = this.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'docs'").get();
    if (!shared) return;
    this.db.transaction(() => {
      const collections = this.db.prepare<[], { collection: string }>('SELECT DISTINCT collection FROM docs').all();
      for (const { collection } of collections) {
        this.db.exec(tableSchema(collection));
        this.db
          .prepare(`INSERT INTO ${tableOf(collection)} (id, version, checkpoint, data) SELECT id, version, checkpoint, data FROM docs WHERE collection = ?`)
          .run(collection);
      }
      this.db.exec('DROP TABLE docs');
    })();
  }

  private query<R>(sql: string): Database.Statement<unknown[], R> {
    let statement = this.queries.get(sql);
    if (statement) {
      this.queries.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.queries.size >= MAX_CACHED_QUERIES) this.queries.delete(this.queries.keys().next().value!);
    }
    this.queries.set(sql, statement);
    return statement as Database.Statement<unknown[], R>;
  }
}

/** A write of a batch found another version than it expected: the batch rolls back. */
class StaleWrite extends Error {}
