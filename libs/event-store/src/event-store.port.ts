import { LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';

/**
 * Optimistic concurrency for an append:
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: it must exist, at any revision;
 * - `any`: no check;
 * - a number: the stream's last revision must be exactly this (0-based): a whole number from 0
 *   to `Number.MAX_SAFE_INTEGER`. Anything else (negative, fractional, NaN, another string) is
 *   refused with `InvalidExpectedRevisionError` before anything is written.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /**
   * Revision of the stream's last event after the append: the next expected revision. For an
   * idempotent retry, the revision of the batch's last event, i.e. what the first append
   * answered: a retrier that appends again with it still meets any writer that came between.
   */
  nextExpectedRevision: number;
  /** Global position of the batch's last event (appended now, or already stored). */
  position: LogPosition;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive); 0 by default. */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this position; from the start when absent. */
  after?: LogPosition;
  maxCount: number;
  /** Only streams whose name starts with one of these (e.g. `beneficiary-`). */
  streamPrefixes?: readonly string[];
}

/**
 * A page of the global log. A filtered read moves past the events it skipped: `checkpoint` says
 * how far it looked, so the next read starts there and never visits those events again.
 */
export interface ReadAllPage {
  /**
   * Matching events, in global order (at most `maxCount`). Empty only when the read reached the
   * end of the log (`endOfLog`): a read that passes records it does not return (other streams,
   * records that are not envelopes) reads on until it finds one or the log ends.
   */
  events: StoredEvent[];
  /**
   * Resume after this position: every matching event up to it is in `events` (or was before
   * `after`). At least the last event's position; beyond it when the read passed events that
   * did not match. Undefined only when the read looked at nothing (an empty log).
   */
  checkpoint?: LogPosition;
  /** True when the read reached the end of the log as it was when read. */
  endOfLog: boolean;
}

export interface SubscribeToAllOptions {
  /** Deliver events strictly after this position (a stored checkpoint); from the start when absent. */
  after?: LogPosition;
  streamPrefixes?: readonly string[];
  /** Largest batch handed to `onEvents` at once. */
  maxBatchSize?: number;
  /**
   * Called with batches in global order, one at a time: the next batch comes only after the
   * returned promise settles. If it rejects, the subscription stops and `onError` is called.
   */
  onEvents: (events: StoredEvent[]) => Promise<void>;
  /**
   * Called, between batches, with a position the subscription has moved past without finding
   * events to deliver (KurrentDB's `checkpointReached`): a follower may store it, so that a
   * restart does not scan those events again. Never behind the last delivered event. Like
   * `onEvents`, the subscription waits for the returned promise; a rejection stops it.
   */
  onCheckpoint?: (position: LogPosition) => Promise<void> | void;
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Stops delivering and waits for the batch in flight to finish. */
  stop(): Promise<void>;
}

/** The last event of the global log: where it is, and when the store recorded it. */
export interface LogHead {
  position: LogPosition;
  /** ISO 8601 instant the store recorded it, when the store keeps one (KurrentDB's `created`; SQLite: the event's `occurredAt`). */
  recordedAt?: string;
}

export interface ComponentHealth {
  status: 'up' | 'down';
  kind: string;
  details?: Record<string, unknown>;
}

/**
 * The event store: one log holding every context's streams (`<category>-<id>`), and the full
 * history of each beneficiary's journey.
 */
export interface EventStore {
  readonly kind: string;
  /**
   * Appends atomically; `events` must not be empty. Throws `StreamRevisionConflict` when
   * `expectedRevision` does not hold, `InvalidEventError` for an invalid envelope and
   * `InvalidExpectedRevisionError` for an expectation that is none (both before anything is
   * written).
   *
   * Idempotent retries: appending again a batch whose events are all stored in the stream is a
   * no-op that answers what the first append answered (its last event's revision and position),
   * so a retried command cannot duplicate its events:
   * - with `no_stream` or an exact revision (what the first append used), at any time later, even
   *   after the stream moved on (KurrentDB checks the events at that revision in its index);
   * - with `any` or `stream_exists`, while the batch is still the stream's last events, i.e. no
   *   other append came after it (the adapter compares the stream's tail itself). Later, an
   *   adapter may store the batch again: KurrentDB keeps no index of event ids, and its own
   *   check under `any` only looks in a cache of recent writes. A writer that must stay
   *   idempotent across other writers appends at an exact revision (the command executor does).
   * When only some of the batch is stored, it throws `StreamRevisionConflict` (KurrentDB reports
   * such a partial duplicate as a wrong expected version).
   */
  appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** The stream's events in revision order; an empty list when it does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Every event whose `metadata.beneficiaryId` is the given id, across all streams, in global order. */
  readJourney(beneficiaryId: string): Promise<StoredEvent[]>;
  /** A page of the global log, in order, and how far the read looked. */
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;
  /**
   * The log's last record, or undefined for an empty log: one index step, whatever the history
   * (the metrics ask it on every scrape how far behind the head each follower is). On KurrentDB
   * it may be a record no reader sees as an event (a checkpoint, a system record).
   */
  logHead(): Promise<LogHead | undefined>;
  /** Catches up from `after`, then follows new events live. */
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  health(): Promise<ComponentHealth>;
  close(): Promise<void>;
}

/**
 * Tamper evidence (docs/adr/0011-hash-chained-streams.md): each event as the store holds it,
 * with the hash of the previous event of its stream and its own hash, both stored beside it at
 * append. `data` and `metadata` are the JSON text the store keeps, the bytes the hashes cover
 * (personal data in it is already ciphertext, so erasing a key leaves the chain whole).
 */
export interface ChainedRecord {
  stream: string;
  revision: number;
  position: LogPosition;
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  /** Null for an event stored without a chain (e.g. written by a version before chaining). */
  previousHash: string | null;
  hash: string | null;
}

export interface ChainedRecordPage {
  /** In global order; empty only when the read reached the end of the log (as `ReadAllPage.events`). */
  records: ChainedRecord[];
  /** Resume after this position; undefined only for an empty log. */
  checkpoint?: LogPosition;
  endOfLog: boolean;
}

/**
 * What verification reads: the stored bytes and their chain, never parsed, so that an event
 * whose bytes no longer parse is still named. Kept apart from `EventStore`, whose readers want
 * envelopes and never see the chain.
 */
export interface ChainedLog {
  /** The stream's records in revision order; empty when it does not exist. */
  readStreamRecords(stream: string): Promise<ChainedRecord[]>;
  /** The streams holding a beneficiary's journey, in the order of their first journey event. */
  streamsOfJourney(beneficiaryId: string): Promise<string[]>;
  /** A page of every stream's records in global order (the adapter's own bookkeeping streams left out). */
  readAllRecords(options: { after?: LogPosition; maxCount: number }): Promise<ChainedRecordPage>;
}

/**
 * The chained reads of a store typed as a plain `EventStore` (the DI token's type): both
 * adapters keep a chain; a test double that does not is refused by name.
 */
export const chainedLogOf = (store: EventStore): ChainedLog & EventStore => {
  const candidate = store as Partial<ChainedLog> & EventStore;
  if (typeof candidate.readStreamRecords !== 'function' || typeof candidate.streamsOfJourney !== 'function' || typeof candidate.readAllRecords !== 'function') {
    throw new Error(`The ${store.kind} event store keeps no hash chain`);
  }
  return candidate as ChainedLog & EventStore;
};

/** Durable positions of log followers (the forwarder, rebuilds), kept beside the log. */
export interface CheckpointStore {
  load(name: string): Promise<LogPosition | undefined>;
  save(name: string, position: LogPosition): Promise<void>;
}

/**
 * An `expectedRevision` that is none of the port's: a number that is negative, fractional, NaN,
 * infinite or beyond `Number.MAX_SAFE_INTEGER`, or another value. Thrown before anything is
 * written (KurrentDB would otherwise get a RangeError from BigInt or an invalid uint64).
 */
export class InvalidExpectedRevisionError extends TypeError {
  readonly code = 'INVALID_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: unknown,
  ) {
    super(
      `appendToStream(${stream}): expectedRevision must be 'no_stream', 'stream_exists', 'any' or a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, not ${describeValue(expected)}`,
    );
    this.name = 'InvalidExpectedRevisionError';
  }
}

/** Throws `InvalidExpectedRevisionError` unless `expected` is one of the port's expectations. */
export function assertValidExpectedRevision(stream: string, expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'no_stream' || expected === 'stream_exists' || expected === 'any') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidExpectedRevisionError(stream, expected);
}

const describeValue = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
};

export class StreamRevisionConflict extends Error {
  readonly code = 'STREAM_REVISION_CONFLICT';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`Stream ${stream} is at revision ${actual < 0 ? '(none)' : actual}, expected ${expected}`);
    this.name = 'StreamRevisionConflict';
  }
}
