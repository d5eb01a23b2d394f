import { LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';

/**
 * Optimistic concurrency for an append:
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: it must exist, at any revision;
 * - `any`: no check;
 * - a number: the stream's last revision must be exactly this (0-based).
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
  /** Matching events, in global order (at most `maxCount`). */
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
   * `expectedRevision` does not hold. Appending events whose ids are all already stored in the
   * stream is a no-op that answers what the first append answered (as KurrentDB's idempotent
   * writes do), so a retried command cannot duplicate its events; when only some of them are
   * stored it throws `StreamRevisionConflict` (KurrentDB reports such a partial duplicate as a
   * wrong expected version). Throws `InvalidEventError` (nothing written) for an invalid envelope.
   */
  appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** The stream's events in revision order; an empty list when it does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Every event whose `metadata.beneficiaryId` is the given id, across all streams, in global order. */
  readJourney(beneficiaryId: string): Promise<StoredEvent[]>;
  /** A page of the global log, in order, and how far the read looked. */
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;
  /** Catches up from `after`, then follows new events live. */
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  health(): Promise<ComponentHealth>;
  close(): Promise<void>;
}

/** Durable positions of log followers (the forwarder, rebuilds), kept beside the log. */
export interface CheckpointStore {
  load(name: string): Promise<LogPosition | undefined>;
  save(name: string, position: LogPosition): Promise<void>;
}

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
