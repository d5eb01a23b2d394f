import { mkdirSync } from 'node:fs';
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

/** The comparisons of an equality filter, and the parameters they take, in one order. */
const whereOf = (collection: string, filter: Filter): { sql: string; parameters: string[] } => {
  const fields = Object.keys(filter);
  // The collection is written into the statement, not bound: a partial index (WHERE
  // collection = '<name>') is usable only when the planner sees that same constant.
  const terms = [`collection = ${sqlText(collection)}`, ...fields.map((field) => `${valueOf(field)} = ?`)];
  return { sql: terms.join(' AND '), parameters: fields.map((field) => JSON.stringify(filter[field])) };
};

const indexName = (collection: string, field: string): string =>
  // ':' never appears in a collection name, so (collection, field) → name is one-to-one.
  `"docs:${collection}:${field.replaceAll('"', '""')}"`;

/**
 * The SQLite database behind the embedded read store: every document is one row of `docs`,
 * its checkpoint in the same row, so one statement makes a document and what was applied to
 * it durable together. Documents are read and queried where they lie; nothing is loaded at open.
 * `:memory:` keeps the same database in memory (tests).
 */
export class SqliteDocumentFile {
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<[string, string], DocumentRow>;
  private readonly selectMany: Database.Statement<[string, string], DocumentRow>;
  private readonly insertRow: Database.Statement<[string, string, string, string]>;
  private readonly updateRow: Database.Statement<[number, string, string | null, string, string, number]>;
  private readonly deleteRow: Database.Statement<[string, string]>;
  private readonly deleteCollection: Database.Statement<[string]>;
  /** Filter queries by SQL text, least recently used first. */
  private readonly queries = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly applyBatch: (writes: readonly RowWrite[]) => void;

  /** `lockTimeoutMs`: how long to wait for a previous owner of the file to let go. */
  constructor(
    readonly file: string,
    lockTimeoutMs = 5_000,
  ) {
    const inMemory = file === ':memory:';
    if (!inMemory) mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: lockTimeoutMs });
    try {
      if (!inMemory) this.ownFile();
      this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS docs (
          collection TEXT NOT NULL,
          id         TEXT NOT NULL,
          version    INTEGER NOT NULL,
          checkpoint TEXT NOT NULL,
          data       TEXT NOT NULL,
          PRIMARY KEY (collection, id)
        ) WITHOUT ROWID`);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.selectOne = this.db.prepare('SELECT id, version, checkpoint, data FROM docs WHERE collection = ? AND id = ?');
    // The ids come as one JSON array: one statement whatever their number.
    this.selectMany = this.db.prepare(
      'SELECT id, version, checkpoint, data FROM docs WHERE collection = ? AND id IN (SELECT value FROM json_each(?))',
    );
    this.insertRow = this.db.prepare(
      'INSERT INTO docs (collection, id, version, checkpoint, data) VALUES (?, ?, 1, ?, ?) ON CONFLICT DO NOTHING',
    );
    // The version in the WHERE clause is the compare-and-set; a NULL checkpoint keeps the stored one.
    this.updateRow = this.db.prepare(
      'UPDATE docs SET version = ?, data = ?, checkpoint = coalesce(?, checkpoint) WHERE collection = ? AND id = ? AND version = ?',
    );
    this.deleteRow = this.db.prepare('DELETE FROM docs WHERE collection = ? AND id = ?');
    this.deleteCollection = this.db.prepare('DELETE FROM docs WHERE collection = ?');
    this.applyBatch = this.db.transaction((writes: readonly RowWrite[]) => {
      // Throwing rolls the transaction back: the batch is all or nothing.
      for (const write of writes) if (!this.write(write)) throw new StaleWrite();
    });
  }

  get(collection: string, id: string): DocumentRow | undefined {
    return this.selectOne.get(collection, id);
  }

  getMany(collection: string, ids: readonly string[]): DocumentRow[] {
    return ids.length === 0 ? [] : this.selectMany.all(collection, JSON.stringify(ids));
  }

  write(write: RowWrite): boolean {
    const { collection, id, expectedVersion, data, checkpoint } = write;
    const result =
      expectedVersion === 0
        ? this.insertRow.run(collection, id, checkpoint ?? '{}', data)
        : this.updateRow.run(expectedVersion + 1, data, checkpoint ?? null, collection, id, expectedVersion);
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
    this.deleteRow.run(collection, id);
  }

  drop(collection: string): void {
    this.deleteCollection.run(collection);
  }

  /**
   * A partial expression index per field: only this collection's rows, keyed by the
   * expression its queries compare, so a filter or a count on the field reads the index.
   * IF NOT EXISTS: reopening a file, or a collection opened twice, builds nothing again.
   */
  createIndexes(collection: string, fields: readonly string[]): void {
    for (const field of fields) {
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS ${indexName(collection, field)} ON docs (${valueOf(field)}) WHERE collection = ${sqlText(collection)}`,
      );
    }
  }

  /** Matching rows ordered by id; `limit` undefined: all of them. */
  find(collection: string, filter: Filter, limit: number | undefined): DocumentRow[] {
    const where = whereOf(collection, filter);
    const query = this.query<DocumentRow>(`SELECT id, version, checkpoint, data FROM docs WHERE ${where.sql} ORDER BY id LIMIT ?`);
    return query.all(...where.parameters, limit ?? -1);
  }

  count(collection: string, filter: Filter): number {
    const where = whereOf(collection, filter);
    return this.query<{ n: number }>(`SELECT count(*) AS n FROM docs WHERE ${where.sql}`).get(...where.parameters)!.n;
  }

  countBy(collection: string, field: string, filter: Filter): ValueCount[] {
    const where = whereOf(collection, filter);
    const query = this.query<ValueCount>(`SELECT ${valueOf(field)} AS value, count(*) AS n FROM docs WHERE ${where.sql} GROUP BY 1`);
    return query.all(...where.parameters);
  }

  /** The database's size: two pragmas read from its header, whatever the number of documents. */
  bytes(): number {
    return (this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    this.db.close();
  }

  /**
   * One process owns the file: an exclusive lock makes a second `npm start` on the same file
   * fail at boot instead of both writing to it from two processes that each think they own it.
   */
  private ownFile(): void {
    this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.pragma('journal_mode = WAL');
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
