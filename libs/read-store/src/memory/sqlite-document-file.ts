import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface DocumentRow {
  collection: string;
  id: string;
  version: number;
  /** JSON of the checkpoint. */
  checkpoint: string;
  /** JSON of the data. */
  data: string;
}

/**
 * The file behind the embedded read store: every document is one row, its checkpoint in the
 * same row, so one statement makes a document and what was applied to it durable together.
 * Memory holds the documents; this file only has to survive a restart.
 */
export class SqliteDocumentFile {
  private readonly db: Database.Database;
  private readonly upsertRow: Database.Statement<[string, string, number, string, string]>;
  private readonly deleteRow: Database.Statement<[string, string]>;
  private readonly deleteCollection: Database.Statement<[string]>;

  /** `lockTimeoutMs`: how long to wait for a previous owner of the file to let go. */
  constructor(
    readonly file: string,
    lockTimeoutMs = 5_000,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: lockTimeoutMs });
    // One process owns the file: an exclusive lock makes a second `npm start` on the same
    // file fail at boot instead of both writing from their own, diverging, memory.
    this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.pragma('journal_mode = WAL');
    } catch (error) {
      this.db.close();
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      throw new Error(`${file} is held by another process: one process owns an embedded read store`, { cause: error });
    }
    // NORMAL in WAL mode survives a process crash; a power loss may roll back the last
    // commits, but a document and its checkpoint roll back together, so the projection
    // re-applies those events from the event store.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS docs (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    INTEGER NOT NULL,
        checkpoint TEXT NOT NULL,
        data       TEXT NOT NULL,
        PRIMARY KEY (collection, id)
      ) WITHOUT ROWID`);
    this.upsertRow = this.db.prepare(`
      INSERT INTO docs (collection, id, version, checkpoint, data) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (collection, id) DO UPDATE
        SET version = excluded.version, checkpoint = excluded.checkpoint, data = excluded.data`);
    this.deleteRow = this.db.prepare('DELETE FROM docs WHERE collection = ? AND id = ?');
    this.deleteCollection = this.db.prepare('DELETE FROM docs WHERE collection = ?');
  }

  *rows(): IterableIterator<DocumentRow> {
    yield* this.db.prepare('SELECT collection, id, version, checkpoint, data FROM docs').iterate() as IterableIterator<DocumentRow>;
  }

  save(row: DocumentRow): void {
    this.upsertRow.run(row.collection, row.id, row.version, row.checkpoint, row.data);
  }

  delete(collection: string, id: string): void {
    this.deleteRow.run(collection, id);
  }

  drop(collection: string): void {
    this.deleteCollection.run(collection);
  }

  close(): void {
    this.db.close();
  }
}
