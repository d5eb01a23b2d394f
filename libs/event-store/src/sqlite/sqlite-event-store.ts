import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertValidEvent, LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';
import {
  AppendResult,
  assertValidExpectedRevision,
  ChainedLog,
  ChainedRecord,
  ChainedRecordPage,
  CheckpointStore,
  ComponentHealth,
  EventStore,
  ExpectedRevision,
  LogHead,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  StreamRevisionConflict,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { eventHash, GENESIS_HASH } from '../hash-chain';

export interface SqliteEventStoreOptions {
  /** How often a live subscription looks for events appended by other processes sharing the file. */
  pollIntervalMs?: number;
  /** How long a writer waits for another process's write lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /**
   * Commit the appends that arrive in one turn of the event loop in one transaction, each in its
   * own savepoint (default true). Off, every append is a transaction of its own.
   */
  groupCommit?: boolean;
  /** Where opening a file says what it did to it (chaining the events of an older file); stderr by default. */
  log?: (message: string) => void;
}

const DEFAULT_BATCH_SIZE = 256;

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
 * SQLite gives the WAL and shared-memory files the database file's mode (os_unix.c,
 * findCreateFileMode), so new ones are 0600 already; these lines tighten ones left by a run
 * before the file was.
 */
const tightenCompanions = (file: string): void => {
  for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
};

/**
 * Most log positions one global read looks at. A read is synchronous (better-sqlite3), so this
 * bounds how long it holds the event loop: a follower catching up a long log with a filter that
 * matches little yields between windows instead of scanning the whole history in one query.
 */
export const SCAN_WINDOW = 16_384;

/*
 * The log is one table: its INTEGER PRIMARY KEY AUTOINCREMENT is the global position, never
 * reused, even after the last rows are deleted.
 *
 * Can a reader see position N+1 and only later see N (a gap filled after the fact, which would
 * make a follower skip N for ever)? Not with SQLite: a database has one writer at a time (the
 * write lock, held from BEGIN IMMEDIATE to COMMIT, also across processes sharing the file), and
 * the autoincrement value is taken inside that transaction. So transactions commit in sequence
 * order, and a reader's snapshot always holds a prefix of the log. A rolled-back transaction
 * rolls back its sequence too: the next writer reuses the number, and nobody had seen it.
 * (Unlike a PostgreSQL sequence, which hands out numbers outside the transaction.)
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream         TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    id             TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    beneficiary_id TEXT,
    occurred_at    TEXT    NOT NULL,
    -- Tamper evidence (see hash-chain.ts): nullable only because a file of an earlier version
    -- gains them by ALTER TABLE (chainExistingEvents), which cannot add NOT NULL columns.
    previous_hash  TEXT,
    hash           TEXT,
    UNIQUE (stream, revision)
  );
  -- A journey read is an index range, in position order (the rowid ends every index entry).
  CREATE INDEX IF NOT EXISTS events_by_beneficiary ON events (beneficiary_id) WHERE beneficiary_id IS NOT NULL;
  CREATE TABLE IF NOT EXISTS checkpoints (
    name     TEXT PRIMARY KEY,
    position TEXT NOT NULL
  );
`;

const COLUMNS = 'position, stream, revision, id, type, schema_version, data, metadata';
const RECORD_COLUMNS = `${COLUMNS}, previous_hash, hash`;

interface EventRow {
  position: number;
  stream: string;
  revision: number;
  id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

interface RecordRow extends EventRow {
  previous_hash: string | null;
  hash: string | null;
}

/** Rows the migration chains at a time (better-sqlite3 cannot update while a statement iterates). */
const MIGRATION_PAGE = 1_000;

/**
 * The embedded event store: one SQLite file (better-sqlite3), shareable by several processes
 * (the distributed mode's intake and reporting processes can follow the same file).
 */
export class SqliteEventStore implements EventStore, CheckpointStore, ChainedLog {
  readonly kind = 'sqlite';
  /**
   * The work global reads did: `rowsVisited` counts the positions of every primary-key range a
   * read (or a subscription's read) scanned, matching or not. For specs and benches: a follower
   * that read again what it had passed would show here, whatever the clock says.
   */
  readonly stats = { rowsVisited: 0 };
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  /** Wakes this instance's live subscriptions right after an append through this instance. */
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private readonly readAllStatements = new Map<number, Database.Statement<unknown[], EventRow>>();
  private readonly statements;
  private readonly append: Database.Transaction<(stream: string, events: readonly NewEvent[], expected: ExpectedRevision) => AppendResult>;
  private readonly appendGroup: Database.Transaction<(group: readonly PendingAppend[]) => AppendOutcome[]>;
  private readonly groupCommit: boolean;
  /** Appends waiting for the next group commit, in arrival order. */
  private pending: PendingAppend[] = [];

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    const onDisk = file !== ':memory:' && file !== '';
    if (onDisk) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      openOwnerOnly(file);
    }
    this.db = new Database(file);
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.groupCommit = options.groupCommit ?? true;
    // First, so that even switching to WAL and creating the schema wait for another process's
    // lock instead of failing. (better-sqlite3 waits synchronously: fine for the embedded mode.)
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
    this.db.pragma('journal_mode = WAL');
    if (onDisk) tightenCompanions(file);
    // In WAL mode NORMAL never corrupts the file and loses nothing on a process crash; only a
    // power cut or OS crash can roll back the last commits since the previous WAL sync. That
    // is the usual trade for an embedded store (https://www.sqlite.org/pragma.html#pragma_synchronous).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.chainExistingEvents(options.log ?? ((message) => process.stderr.write(`${message}\n`)));

    this.statements = {
      // The stream's last event through the (stream, revision) index: its revision and the hash
      // the next event links to, one index seek whatever the stream's length.
      streamHead: this.db.prepare<[string], { revision: number; hash: string | null }>(
        'SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
      ),
      storedIds: this.db.prepare<[string], { id: string; stream: string; revision: number; position: number }>(
        'SELECT e.id, e.stream, e.revision, e.position FROM json_each(?) AS j JOIN events AS e ON e.id = j.value',
      ),
      insert: this.db.prepare(
        `INSERT INTO events (stream, revision, id, type, schema_version, data, metadata, beneficiary_id, occurred_at, previous_hash, hash)
         VALUES (@stream, @revision, @id, @type, @schemaVersion, @data, @metadata, @beneficiaryId, @occurredAt, @previousHash, @hash)`,
      ),
      readStream: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      readJourney: this.db.prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE beneficiary_id = ? ORDER BY position`),
      readStreamRecords: this.db.prepare<[string], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM events WHERE stream = ? ORDER BY revision`),
      streamsOfJourney: this.db.prepare<[string], { stream: string }>(
        'SELECT stream FROM events WHERE beneficiary_id = ? GROUP BY stream ORDER BY MIN(position)',
      ),
      readAllRecords: this.db.prepare<[number, number], RecordRow>(`SELECT ${RECORD_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      // MAX of the INTEGER PRIMARY KEY is one step to the b-tree's last leaf, whatever the history.
      lastPosition: this.db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
      head: this.db.prepare<[], { position: number; occurred_at: string }>('SELECT position, occurred_at FROM events ORDER BY position DESC LIMIT 1'),
      loadCheckpoint: this.db.prepare<[string], { position: string }>('SELECT position FROM checkpoints WHERE name = ?'),
      saveCheckpoint: this.db.prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      ),
    };
    this.append = this.db.transaction((stream: string, events: readonly NewEvent[], expected: ExpectedRevision) =>
      this.appendInTransaction(stream, events, expected),
    );
    // Called inside a transaction, `append` runs in a savepoint (better-sqlite3 nests that way):
    // a failed append rolls back its own savepoint and the others in the group still commit.
    this.appendGroup = this.db.transaction((group: readonly PendingAppend[]) =>
      group.map(({ stream, events, expected }): AppendOutcome => {
        try {
          return { result: this.append(stream, events, expected) };
        } catch (error) {
          // Some errors (SQLITE_FULL, SQLITE_IOERR…) roll back the whole transaction: then no
          // append of the group is stored, and all of them fail.
          if (!this.db.inTransaction) throw error;
          return { error };
        }
      }),
    );
  }

  /**
   * Appends through this instance are committed in groups: those that arrive in one turn of the
   * event loop (concurrent requests) wait for its end and share one BEGIN IMMEDIATE … COMMIT,
   * each in its own savepoint, so each keeps its own revision check and its own answer or error,
   * exactly as if they had run one after the other in arrival order. bench/append.bench.ts
   * measures what that saves.
   */
  async appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    // Before anything is queued: a NaN or -1 would otherwise meet no stream head and conflict
    // with a misleading message, and 1.5 would never hold.
    assertValidExpectedRevision(stream, options.expectedRevision);
    if (events.length === 0) throw new Error(`appendToStream(${stream}) needs at least one event`);
    events.forEach((event, index) => assertValidEvent(event, `${stream} event #${index}`));
    if (!this.groupCommit) {
      // IMMEDIATE takes the write lock up front, so the revision check and the insert see the
      // same stream head even when another process writes to the file.
      const result = this.append.immediate(stream, events, options.expectedRevision);
      this.appendListeners.forEach((wake) => wake());
      return result;
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ stream, events, expected: options.expectedRevision, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return this.statements.readStream.all(stream, options.fromRevision ?? 0, options.maxCount ?? -1).map(toStoredEvent);
  }

  async readJourney(beneficiaryId: string): Promise<StoredEvent[]> {
    return this.statements.readJourney.all(beneficiaryId).map(toStoredEvent);
  }

  /**
   * One scan window at a time (readAllNow), yielding between windows, until a window holds an
   * event or reaches the head: the page is empty only at the end of the log, however much of
   * it a filter skips.
   */
  async readAll(options: ReadAllOptions): Promise<ReadAllPage> {
    for (let after = options.after; ; ) {
      const page = this.readAllNow({ ...options, ...(after !== undefined ? { after } : {}) });
      if (page.events.length > 0 || page.endOfLog || page.checkpoint === undefined || page.checkpoint === after) return page;
      after = page.checkpoint;
      await new Promise(setImmediate);
    }
  }

  async readStreamRecords(stream: string): Promise<ChainedRecord[]> {
    return this.statements.readStreamRecords.all(stream).map(toChainedRecord);
  }

  async streamsOfJourney(beneficiaryId: string): Promise<string[]> {
    return this.statements.streamsOfJourney.all(beneficiaryId).map((row) => row.stream);
  }

  async readAllRecords({ after, maxCount }: { after?: LogPosition; maxCount: number }): Promise<ChainedRecordPage> {
    const rows = this.statements.readAllRecords.all(parsePosition(after), maxCount);
    const checkpoint = rows.length > 0 ? String(rows[rows.length - 1]!.position) : after;
    return { records: rows.map(toChainedRecord), ...(checkpoint !== undefined ? { checkpoint } : {}), endOfLog: rows.length < maxCount };
  }

  /** The row of the largest position (the primary key's last leaf); its time is the event's `occurredAt`. */
  async logHead(): Promise<LogHead | undefined> {
    const row = this.statements.head.get();
    return row ? { position: String(row.position), recordedAt: row.occurred_at } : undefined;
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    const subscription = new SqliteSubscription(this, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async load(name: string): Promise<LogPosition | undefined> {
    return this.statements.loadCheckpoint.get(name)?.position;
  }

  async save(name: string, position: LogPosition): Promise<void> {
    this.statements.saveCheckpoint.run(name, position);
  }

  async health(): Promise<ComponentHealth> {
    try {
      const { position } = this.statements.lastPosition.get()!;
      return { status: 'up', kind: this.kind, details: { file: this.file, lastPosition: String(position ?? 0) } };
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { file: this.file, error: String(error) } };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.db.open) this.commitPending();
    if (this.db.open) this.db.close();
  }

  /**
   * Synchronous, so a subscription can read and then start waiting with no append in between.
   *
   * Scans one bounded primary-key window after `after`, up to the head as it is now, and stops
   * early once `maxCount` events matched. The checkpoint is the last event returned when the page
   * is full, else the window's end: the next read starts there, past every event this one
   * skipped, so a follower of quiet categories never reads the same rows twice.
   */
  readAllNow({ after, maxCount, streamPrefixes = [] }: ReadAllOptions): ReadAllPage {
    const from = parsePosition(after);
    // The head first: rows up to it are committed and gapless (see SCHEMA), so a window that
    // ends there holds every event it will ever hold, even if other processes append meanwhile.
    const head = this.statements.lastPosition.get()!.position ?? 0;
    const end = Math.min(head, from + SCAN_WINDOW);
    if (end <= from) return { events: [], ...(after !== undefined ? { checkpoint: after } : {}), endOfLog: true };

    const prefixes = streamPrefixes.includes('') ? [] : streamPrefixes;
    const rows = this.readAllStatement(prefixes.length).all(from, end, ...prefixes.flatMap((prefix) => [prefix, prefix]), maxCount);
    const full = rows.length === maxCount;
    const scannedTo = full ? rows[rows.length - 1].position : end;
    this.stats.rowsVisited += scannedTo - from;
    return { events: rows.map(toStoredEvent), checkpoint: String(scannedTo), endOfLog: !full && end === head };
  }

  /** Calls `wake` after every append through this instance, until the returned function is called. */
  onAppend(wake: () => void): () => void {
    this.appendListeners.add(wake);
    return () => this.appendListeners.delete(wake);
  }

  get pollInterval(): number {
    return this.pollIntervalMs;
  }

  /**
   * A file written before tamper evidence has no chain: add its columns and chain the events it
   * holds, stream by stream in revision order, once. One transaction, so a crash leaves the file
   * as it was and the next open starts again: the columns' presence means it is done. Another
   * process opening the file meanwhile waits for the write lock (up to the busy timeout).
   */
  private chainExistingEvents(log: (message: string) => void): void {
    const chained = () => this.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all().some((column) => column.name === 'hash');
    if (chained()) return;
    const migrate = this.db.transaction(() => {
      // Another process may have chained the file while this one waited for the lock.
      if (chained()) return undefined;
      this.db.exec('ALTER TABLE events ADD COLUMN previous_hash TEXT; ALTER TABLE events ADD COLUMN hash TEXT;');
      // Keyset pages along the (stream, revision) index.
      const page = this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE (stream, revision) > (?, ?) ORDER BY stream, revision LIMIT ?`,
      );
      const link = this.db.prepare<[string, string, number]>('UPDATE events SET previous_hash = ?, hash = ? WHERE position = ?');
      let events = 0;
      let streams = 0;
      let last: EventRow | undefined;
      let previousHash = GENESIS_HASH;
      for (;;) {
        const rows = page.all(last?.stream ?? '', last?.revision ?? -1, MIGRATION_PAGE);
        for (const row of rows) {
          if (row.stream !== last?.stream) {
            previousHash = GENESIS_HASH;
            streams++;
          }
          const hash = eventHash({ ...row, schemaVersion: row.schema_version }, previousHash);
          link.run(previousHash, hash, row.position);
          previousHash = hash;
          last = row;
          events++;
        }
        if (rows.length < MIGRATION_PAGE) return { events, streams };
      }
    });
    const done = migrate.immediate();
    if (done) log(`event store ${this.file}: chained ${done.events} events of ${done.streams} streams stored before tamper evidence`);
  }

  /** Commits the appends queued since the last group commit and settles each one's promise. */
  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    let outcomes: AppendOutcome[];
    try {
      // IMMEDIATE takes the write lock up front, so each revision check and its insert see the
      // same stream head even when another process writes to the file.
      const [only] = group;
      outcomes =
        group.length === 1
          ? [attempt(() => this.append.immediate(only.stream, only.events, only.expected))]
          : this.appendGroup.immediate(group);
    } catch (error) {
      // BEGIN or COMMIT failed (another process held the lock past the busy timeout, disk full):
      // nothing of the group is stored.
      group.forEach(({ reject }) => reject(error));
      return;
    }
    if (outcomes.some((outcome) => 'result' in outcome)) this.appendListeners.forEach((wake) => wake());
    outcomes.forEach((outcome, index) => ('result' in outcome ? group[index].resolve(outcome.result) : group[index].reject(outcome.error)));
  }

  private appendInTransaction(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendResult {
    const last = this.statements.streamHead.get(stream);
    const head = last?.revision ?? -1;

    const stored = this.statements.storedIds.all(JSON.stringify(events.map((event) => event.id)));
    const elsewhere = stored.find((row) => row.stream !== stream);
    if (elsewhere) throw new Error(`Event ${elsewhere.id} is already stored in stream ${elsewhere.stream}, not ${stream}`);
    if (stored.length === events.length) {
      const last = stored.find((row) => row.id === events[events.length - 1].id)!;
      return { nextExpectedRevision: last.revision, position: String(last.position) };
    }
    if (stored.length > 0) throw new StreamRevisionConflict(stream, expected, head);

    if (!expectationHolds(expected, head)) throw new StreamRevisionConflict(stream, expected, head);

    let position = 0;
    let previousHash = last?.hash ?? GENESIS_HASH;
    events.forEach((event, index) => {
      const { id, type, schemaVersion } = event;
      const revision = head + 1 + index;
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata);
      const hash = eventHash({ stream, revision, id, type, schemaVersion, data, metadata }, previousHash);
      // A literal, not a spread of the object above: better-sqlite3 binds a spread object's
      // fields markedly slower (about 10% of an append, bench:append).
      position = Number(
        this.statements.insert.run({
          stream,
          revision,
          id,
          type,
          schemaVersion,
          data,
          metadata,
          beneficiaryId: event.metadata.beneficiaryId ?? null,
          occurredAt: event.metadata.occurredAt,
          previousHash,
          hash,
        }).lastInsertRowid,
      );
      previousHash = hash;
    });
    return { nextExpectedRevision: head + events.length, position: String(position) };
  }

  private readAllStatement(prefixCount: number): Database.Statement<unknown[], EventRow> {
    let statement = this.readAllStatements.get(prefixCount);
    if (!statement) {
      // A follower's page is a primary-key range (after, end] read in order until it is full:
      // each page costs what it returns plus what it skips, and the checkpoint moves past what it
      // skipped, so a whole catch-up is one pass over the log and a live poll costs what is new.
      // The unary + keeps the planner off the (stream, revision) index, which would visit every
      // event under the prefix (and sort them) on every page and every live poll.
      // Prefix as a range: the upper bound is the prefix followed by the highest code point.
      const byPrefix = Array.from({ length: prefixCount }, () => '(+stream >= ? AND +stream < ? || char(1114111))');
      const streams = prefixCount ? ` AND (${byPrefix.join(' OR ')})` : '';
      statement = this.db.prepare<unknown[], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ?${streams} ORDER BY position LIMIT ?`,
      );
      this.readAllStatements.set(prefixCount, statement);
    }
    return statement;
  }
}

/**
 * Catch-up then live: reads pages after the position reached; when the log holds nothing more,
 * waits for an append through the same store instance (immediate) or the poll interval (appends
 * by other processes sharing the file). A page's checkpoint moves the position past the events
 * that did not match, and `onCheckpoint` hears of it, so neither a poll nor a restart reads them
 * again.
 */
class SqliteSubscription implements Subscription {
  private stopped = false;
  private wakeUp: () => void = () => undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly store: SqliteEventStore,
    private readonly options: SubscribeToAllOptions,
    onClosed: () => void,
  ) {
    this.done = this.run().finally(onClosed);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    await this.done;
  }

  private async run(): Promise<void> {
    const { streamPrefixes, maxBatchSize = DEFAULT_BATCH_SIZE, onEvents, onCheckpoint, onError } = this.options;
    let after = this.options.after;
    // Let the caller keep the returned handle before the first batch is delivered.
    await Promise.resolve();
    while (!this.stopped) {
      try {
        const page = this.store.readAllNow({ ...(after !== undefined ? { after } : {}), maxCount: maxBatchSize, streamPrefixes });
        if (page.events.length > 0) {
          await onEvents(page.events);
          after = page.events[page.events.length - 1].position;
          if (this.stopped) break;
        }
        if (page.checkpoint !== undefined && page.checkpoint !== after) {
          // The window went past the last event delivered (or there was none): say so, then go on from there.
          await onCheckpoint?.(page.checkpoint);
          after = page.checkpoint;
        } else if (page.events.length === 0) {
          // Nothing new at all: the only case that sleeps. Reading and starting to wait happen in
          // one synchronous stretch, so no append through this instance can slip in between.
          await this.nextAppendOrPoll();
          continue;
        }
        // Reads are synchronous: yield between pages so a long catch-up cannot starve I/O.
        await new Promise(setImmediate);
      } catch (error) {
        this.stopped = true;
        onError?.(error);
      }
    }
  }

  private nextAppendOrPoll(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(wake, this.store.pollInterval);
      const unsubscribe = this.store.onAppend(wake);
      this.wakeUp = wake;
    });
  }
}

interface PendingAppend {
  stream: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type AppendOutcome = { result: AppendResult } | { error: unknown };

const attempt = (append: () => AppendResult): AppendOutcome => {
  try {
    return { result: append() };
  } catch (error) {
    return { error };
  }
};

const expectationHolds = (expected: ExpectedRevision, head: number): boolean => {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return head === -1;
    case 'stream_exists':
      return head >= 0;
    default:
      return head === expected;
  }
};

/** Positions are the decimal sequence number; absent means "from the start" (before 1). */
const parsePosition = (position: LogPosition | undefined): number => {
  if (position === undefined) return 0;
  if (!/^\d+$/.test(position)) throw new Error(`${position} is not a SQLite event store position`);
  return Number(position);
};

/** The columns a chained record is read from: by this adapter, and by `npm run restore` on a copy opened read-only. */
export type ChainedRecordRow = Pick<RecordRow, 'position' | 'stream' | 'revision' | 'id' | 'type' | 'schema_version' | 'data' | 'metadata' | 'previous_hash' | 'hash'>;

export const toChainedRecord = (row: ChainedRecordRow): ChainedRecord => ({
  stream: row.stream,
  revision: row.revision,
  position: String(row.position),
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: row.data,
  metadata: row.metadata,
  previousHash: row.previous_hash,
  hash: row.hash,
});

const toStoredEvent = (row: EventRow): StoredEvent => ({
  id: row.id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  stream: row.stream,
  revision: row.revision,
  position: String(row.position),
});
