import { LogPosition, StoredEvent } from '@oriental/contracts';
import { CheckpointStore, EventStore, Subscription } from './event-store.port';

/** The little a follower needs to say; Nest's `Logger` and `console` both fit. */
export interface LogFollowerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface LogFollowerOptions {
  /** Checkpoint name, e.g. `intake-forwarder`: one per follower, stable across restarts. */
  name: string;
  store: EventStore;
  checkpoints: CheckpointStore;
  /** The stream categories followed, e.g. `['beneficiary-']`. */
  streamPrefixes: readonly string[];
  /**
   * Does what the follower is for with one batch, in log order; the checkpoint is stored only
   * after it resolves. At-least-once: a batch may be handled again after a crash or a failed
   * save, so its effect must bear repeating. A rejection is retried, never skipped.
   */
  handle: (events: StoredEvent[]) => Promise<void>;
  /** Largest batch read from the log and handled at once (default 500). */
  maxBatchSize?: number;
  /**
   * Least time between two saves of a position the log reports passing without events of these
   * categories (default 5 s). A position passed sooner is saved once that time is up, even if
   * the log then stays quiet, and the last one on stop: a restart after a crash therefore scans
   * again at most this much of the quiet log, and `status().lastPosition` reaches the head of a
   * log that holds none of these categories.
   */
  checkpointIntervalMs?: number;
  /** First delay before retrying after a failure (default 1 s); doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  /** Longest delay between retries (default 30 s). */
  maxRetryDelayMs?: number;
  logger?: LogFollowerLogger;
}

export interface LogFollowerStatus {
  name: string;
  running: boolean;
  /** The stored checkpoint: every event of its categories up to here was handled. */
  lastPosition?: LogPosition;
  /** Events handled since this process started (batches handled again included). */
  handled: number;
  /** Failures since the last batch that went through; 0 when healthy. */
  consecutiveFailures: number;
  lastError?: string;
}

/**
 * Follows the event store's global log from a stored checkpoint and hands each batch of the
 * followed categories to `handle`: the one way to derive an effect from the log (publishing it,
 * indexing it) without a dual write.
 *
 * For each batch: handle it, and only then store the checkpoint (the last event's position).
 * When the log moves past events of other categories, it stores that position too, at most every
 * `checkpointIntervalMs` and on stop, so that a restart after a quiet spell does not scan the
 * spell again. When handling (or reading) fails, the checkpoint stays where it was; the follower
 * drops the subscription and, after a backoff, follows the log again from the stored checkpoint.
 * Nothing is lost or skipped; a batch may be handled twice (at-least-once).
 */
export class LogFollower {
  private running = false;
  private subscription?: Subscription;
  /** A subscription being stopped after a failure: awaited before following again. */
  private stopping?: Promise<void>;
  private inFlight?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  /**
   * How far the follower got: the last batch handled or, if later, the last position the log
   * passed without events to handle. Updated in log order (the subscription hands both over one
   * at a time), so it never goes back behind a handled batch.
   */
  private reached?: LogPosition;
  /** Last position stored as the checkpoint, and when (ms since the epoch). */
  private saved?: LogPosition;
  private savedAt = 0;
  /** Saves the quiet position once `checkpointIntervalMs` is up, when the log said nothing since. */
  private quietSave?: NodeJS.Timeout;
  /** Checkpoint saves, one after the other in the order asked, so a later position is never overwritten by an earlier one. */
  private saving: Promise<void> = Promise.resolve();
  private handled = 0;
  private consecutiveFailures = 0;
  private lastError?: string;
  private readonly logger: LogFollowerLogger;

  constructor(private readonly options: LogFollowerOptions) {
    this.logger = options.logger ?? consoleLogger;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Loads the checkpoint and starts following the log. Rejects when the checkpoint cannot be
   * loaded at all (fail fast at boot); later failures are retried, never thrown.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.follow();
    } catch (error) {
      this.running = false;
      this.lastError = messageOf(error);
      throw error;
    }
    this.logger.log(`${this.name} following the log after ${this.saved ?? 'the start'}`);
  }

  /** Stops following, waits for the batch in flight, and tries once more to store how far it got. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cancelQuietSave();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    await this.stopping;
    await this.inFlight?.catch(() => undefined);
    await this.saving.catch(() => undefined);
    if (this.reached !== undefined && this.reached !== this.saved) {
      // A quiet position not saved yet, or a handled batch whose checkpoint failed to save: one
      // more try spares a rescan or a second handling after the restart. If it fails too, the
      // restart does just that, so stopping goes on.
      await this.save(this.reached).catch((error: unknown) => this.logger.warn(`${this.name} could not store its position on stop (${messageOf(error)})`));
    }
  }

  status(): LogFollowerStatus {
    return {
      name: this.name,
      running: this.running,
      ...(this.saved !== undefined ? { lastPosition: this.saved } : {}),
      handled: this.handled,
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  private async follow(): Promise<void> {
    await this.stopping;
    this.stopping = undefined;
    const after = await this.options.checkpoints.load(this.name);
    this.saved = this.reached = after;
    this.savedAt = Date.now();
    if (!this.running) return;
    this.subscription = this.options.store.subscribeToAll({
      ...(after !== undefined ? { after } : {}),
      streamPrefixes: this.options.streamPrefixes,
      maxBatchSize: this.options.maxBatchSize ?? 500,
      onEvents: (events) => (this.inFlight = this.handleBatch(events)),
      onCheckpoint: (position) => (this.inFlight = this.passed(position)),
      onError: (error) => this.failed(error),
    });
  }

  private async handleBatch(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.options.handle(events);
    const last = events[events.length - 1].position;
    this.reached = last;
    this.handled += events.length;
    await this.save(last);
    if (this.consecutiveFailures > 0) this.logger.log(`${this.name} recovered after ${this.consecutiveFailures} failure(s)`);
    this.consecutiveFailures = 0;
    this.lastError = undefined;
  }

  /**
   * The log went past events of other categories up to `position`. Saved when the last save is
   * old enough, else kept and saved when it is (or by stop()): a write per poll would make a
   * quiet follower cost what the busy categories append. The deferred save matters when the log
   * then stays quiet: a follower that caught up on a log holding none of its categories would
   * otherwise never store (nor report) how far it got.
   */
  private async passed(position: LogPosition): Promise<void> {
    this.reached = position;
    const wait = this.savedAt + (this.options.checkpointIntervalMs ?? 5_000) - Date.now();
    if (wait > 0) {
      this.quietSave ??= setTimeout(() => {
        this.quietSave = undefined;
        void this.saveQuietPosition();
      }, wait).unref();
      return;
    }
    this.cancelQuietSave();
    await this.saveQuietPosition();
  }

  /** Stores the position reached when it is past the one stored; a failure is only logged. */
  private async saveQuietPosition(): Promise<void> {
    const position = this.reached;
    if (!this.running || position === undefined || position === this.saved) return;
    try {
      await this.save(position);
    } catch (error) {
      // Nothing was handled past the stored checkpoint, so nothing is lost: a restart scans a
      // little more. Not worth dropping the subscription; the next batch's save will tell.
      this.savedAt = Date.now();
      this.logger.warn(`${this.name} could not store the position it passed (${messageOf(error)})`);
    }
  }

  private cancelQuietSave(): void {
    clearTimeout(this.quietSave);
    this.quietSave = undefined;
  }

  private save(position: LogPosition): Promise<void> {
    const saved = this.saving.then(async () => {
      await this.options.checkpoints.save(this.name, position);
      this.saved = position;
      this.savedAt = Date.now();
    });
    this.saving = saved.catch(() => undefined);
    return saved;
  }

  private failed(error: unknown): void {
    this.cancelQuietSave();
    // The subscription stops itself when a batch fails; stopping it again also covers a failure
    // of the subscription's own reading. Not awaited here: this may run inside its loop.
    this.stopping = this.subscription?.stop().catch(() => undefined);
    this.subscription = undefined;
    this.consecutiveFailures += 1;
    this.lastError = messageOf(error);
    if (!this.running) return;
    const initial = this.options.retryDelayMs ?? 1_000;
    const delay = Math.min(initial * 2 ** (this.consecutiveFailures - 1), this.options.maxRetryDelayMs ?? 30_000);
    this.logger.error(`${this.name} failed (${this.lastError}); following again from the stored checkpoint in ${delay} ms`, error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.follow().catch((reason: unknown) => this.failed(reason));
    }, delay);
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const consoleLogger: LogFollowerLogger = {
  log: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message, error) => console.error(message, error),
};
