import {
  AllStreamRecordedEvent,
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendStreamState,
  BACKWARDS,
  END,
  Position,
  JSONType,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  ProjectionDetails,
  RecordedEvent,
  RUNNING,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { assertValidEvent, EventMetadata, LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';
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
import { compareKurrentPositions, decodeKurrentPosition, encodeKurrentPosition, KurrentPosition } from './log-position';
import { backoffDelay, classifyProjectionError, describeError } from './projection-errors';

/** The envelope's schema version travels in the event's metadata, under a key no envelope uses. */
const SCHEMA_VERSION = '$schemaVersion';
/** Tamper evidence travels in the metadata too: the previous event's hash and the event's own (hash-chain.ts). */
const PREVIOUS_HASH = '$previousHash';
const HASH = '$hash';
/** How often an `any` or `stream_exists` append reads the head again when other writers keep coming between. */
const CHAIN_ATTEMPTS = 10;
const DEFAULT_BATCH_SIZE = 256;
const HEALTH_TIMEOUT_MS = 2_000;
/**
 * Creating the journey projection: attempts while the server answers with a transient error (not
 * the leader, unavailable, its projection subsystem still starting), the first wait (doubling,
 * at most 8×), and each attempt's deadline. About 5 × 5 s + 7.5 s at worst before init gives up.
 */
const PROJECTION_ATTEMPTS = 5;
const PROJECTION_BACKOFF_MS = 500;
const PROJECTION_DEADLINE_MS = 5_000;
/**
 * A filtered subscription's `checkpointReached` comes every this many server search windows
 * (32 records each by default): about every 320 records the filter passed over.
 */
const CHECKPOINT_INTERVAL = 10;

/** Streams this adapter writes for itself; global reads without a prefix leave them out. */
const CHECKPOINT_PREFIX = 'checkpoint-';
const JOURNEY_PREFIX = 'journey-';
const CHECKPOINT_SAVED = 'CheckpointSaved';
const HEALTH_PROBE_STREAM = 'oriental-health-probe';

export const JOURNEY_PROJECTION = 'oriental-journeys-v1';

export interface KurrentDbEventStoreOptions {
  /**
   * The projection `init()` creates and `health()` reads; JOURNEY_PROJECTION unless told. Other
   * names are for specs that check health against a projection of their own.
   */
  journeyProjection?: string;
  /** Creating the projection: attempts on transient errors, first wait, each attempt's deadline. */
  projectionAttempts?: number;
  projectionBackoffMs?: number;
  projectionDeadlineMs?: number;
}

/**
 * KurrentDB has no secondary index, so a continuous projection links every event that names a
 * beneficiary into `journey-<beneficiaryId>`, in $all order (docs/adr/0002-kurrentdb-journeys.md).
 * It parses `metadataRaw` itself: `event.metadata` throws on non-JSON metadata, which would
 * fault the projection. Changing this query means a new projection name (…-v2). It also links
 * a record that is not an envelope but names a beneficiary (written by another tool): the
 * journey reads skip those links.
 */
const JOURNEY_QUERY = `
fromAll().when({
  $any: function (state, event) {
    if (!event.isJson || !event.metadataRaw || event.streamId.indexOf('$') === 0) return state;
    var metadata;
    try { metadata = JSON.parse(event.metadataRaw); } catch (error) { return state; }
    if (metadata && typeof metadata.beneficiaryId === 'string') linkTo('${JOURNEY_PREFIX}' + metadata.beneficiaryId, event);
    return state;
  }
});
`;

/**
 * The distributed mode's event store, on KurrentDB through `@kurrent/kurrentdb-client`.
 *
 * - Positions are `<commit>/<prepare>` (see log-position.ts).
 * - Journeys are eventually consistent: an event shows in `readJourney` once the projection
 *   has processed it (usually milliseconds, longer when the projection subsystem lags). The
 *   server must run projections (KURRENTDB_RUN_PROJECTIONS=All).
 * - Global reads and subscriptions skip link events, system events (`$…` types and streams),
 *   and records that are not envelopes (no `$schemaVersion`), so a page can hold fewer than
 *   `maxCount` events only when such records sit inside a prefix the caller asked for.
 * - Checkpoints are `checkpoint-<name>` streams that keep one event (`$maxCount` 1): the first
 *   save of each name in a process makes sure the stream's metadata says so (and sets it when
 *   missing), so a stream whose first save failed half-way is capped by the next one.
 * - Health is down unless the journey projection is running (missing, stopped, faulted: the
 *   journeys would silently stop growing), with the server's reason.
 * - Tamper evidence: each event's metadata carries `$previousHash` and `$hash`, computed here
 *   over the data and metadata JSON text the client writes (JSON.stringify, as the SQLite
 *   adapter stores it, so a log copied between adapters keeps its hashes). The server cannot
 *   compute them, so an append needs its stream's head first (see chainHead): `no_stream` links
 *   to the genesis hash with no read; any other expectation reads the stream's last event from
 *   the leader, and `any` / `stream_exists` then append at the revision read, so that no other
 *   writer can come between the read and the write (read again and retried when one did).
 *   The price is one read per append to an existing stream. Idempotent retries (see the port):
 *   `no_stream` and an exact revision go to the server as they are, and it checks the events at
 *   that revision in its index, however long ago they were written; under `any` /
 *   `stream_exists` the adapter itself compares the batch with the stream's tail, so a retry is
 *   recognised while its events are still the stream's last ones, whatever the server's cache
 *   of recent event ids holds (its own check under `any` looks only there).
 * - An append's answer carries the position of the batch's last event: the server replies with
 *   the log position of the write's last prepare record (commit = prepare), which is that
 *   event's $all position; an idempotent reply carries it too when the server can read it back,
 *   and only a reply without one costs a read.
 * - A filtered subscription reports the server's `checkpointReached` positions to `onCheckpoint`,
 *   in order with the events; they come every few hundred records passed (CHECKPOINT_INTERVAL),
 *   so a quiet follower's position can rest that far behind the head.
 */
export class KurrentDbEventStore implements EventStore, CheckpointStore, ChainedLog {
  readonly kind = 'kurrentdb';
  private readonly subscriptions = new Set<KurrentSubscription>();
  /** Checkpoint streams whose `$maxCount` is known to be set (or being set) by this instance. */
  private readonly cappedCheckpoints = new Map<string, Promise<void>>();
  private readonly projection: string;

  constructor(
    private readonly client: KurrentDBClient,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    this.projection = options.journeyProjection ?? JOURNEY_PROJECTION;
  }

  /** Connects and makes sure the journey projection exists. */
  static async connect(connectionString: string, options: KurrentDbEventStoreOptions = {}): Promise<KurrentDbEventStore> {
    const store = new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
    try {
      await store.init();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Creates the journey projection unless it exists; safe to run from every process at start.
   * Transient failures (not the leader, unavailable, the projection subsystem still starting or
   * not answering before the deadline) are retried with a bounded backoff; every failure is
   * reported with its real cause (classifyProjectionError).
   */
  async init(): Promise<void> {
    const attempts = this.options.projectionAttempts ?? PROJECTION_ATTEMPTS;
    const backoff = this.options.projectionBackoffMs ?? PROJECTION_BACKOFF_MS;
    const deadline = this.options.projectionDeadlineMs ?? PROJECTION_DEADLINE_MS;
    const failure = (cause: unknown, reason: string) => new Error(`Could not create the ${this.projection} projection: ${reason}`, { cause });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.createProjection(this.projection, JOURNEY_QUERY, { emitEnabled: true, deadline });
        return;
      } catch (error) {
        const kind = classifyProjectionError(error);
        if (kind !== 'transient') {
          // Another process (or an earlier start) created it: that is all we wanted. The same
          // read settles a conflict whatever words the server used for it.
          const existing = await this.journeyProjection({ deadline }).catch(() => undefined);
          if (existing) return;
          if (kind === 'disabled') {
            throw failure(error, `the server has no projection service: it must run projections (KURRENTDB_RUN_PROJECTIONS=All). ${describeError(error)}`);
          }
          if (kind === 'denied') {
            throw failure(error, `the user may not create projections (it needs the $ops or $admins group). ${describeError(error)}`);
          }
          throw failure(error, describeError(error));
        }
        if (attempt >= attempts) {
          throw failure(
            error,
            `still failing after ${attempts} attempts: ${describeError(error)}. A server that is not the leader, restarting or starting its ` +
              'projection subsystem answers so for a while; one that does not run projections (KURRENTDB_RUN_PROJECTIONS=All) lets the request reach its deadline every time',
          );
        }
        await sleep(backoffDelay(attempt, backoff));
      }
    }
  }

  async appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const { expectedRevision } = options;
    assertValidExpectedRevision(stream, expectedRevision);
    if (events.length === 0) throw new Error(`appendToStream(${stream}) needs at least one event`);
    events.forEach((event, index) => assertValidEvent(event, `${stream} event #${index}`));

    for (let attempt = 1; ; attempt++) {
      const head = await this.chainHead(stream, events, expectedRevision);
      if ('repeated' in head) return head.repeated;
      try {
        return await this.write(stream, events, head.state, head.previousHash);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // The revision was chosen here (the caller asked for no check): another writer came between.
        if (head.chosenHere && attempt < CHAIN_ATTEMPTS) continue;
        throw new StreamRevisionConflict(stream, expectedRevision, error.actualState === NO_STREAM ? -1 : Number(error.actualState));
      }
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    try {
      const read = this.client.readStream(stream, { fromRevision: BigInt(options.fromRevision ?? 0), maxCount: options.maxCount });
      for await (const { event } of read) if (event) events.push(toStoredEvent(event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readJourney(beneficiaryId: string): Promise<StoredEvent[]> {
    const journey: StoredEvent[] = [];
    const linked = new Set<LogPosition>();
    try {
      for await (const { event } of this.client.readStream(`${JOURNEY_PREFIX}${beneficiaryId}`, { resolveLinkTos: true })) {
        // A link whose event was scavenged resolves to nothing (or to itself, type `$>`); a reset
        // projection links an event again; a record that is not an envelope (another tool wrote
        // it, with a beneficiaryId in its metadata) is linked too but is no journey event.
        if (!isJourneyEvent(event)) continue;
        const stored = toStoredEvent(event);
        if (linked.has(stored.position)) continue;
        linked.add(stored.position);
        journey.push(stored);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return journey;
  }

  async readAll(options: ReadAllOptions): Promise<ReadAllPage> {
    const { items, ...page } = await this.readAllPage(options, toStoredEvent);
    return { events: items, ...page };
  }

  async readStreamRecords(stream: string): Promise<ChainedRecord[]> {
    const records: ChainedRecord[] = [];
    try {
      for await (const { event } of this.client.readStream(stream)) if (event) records.push(toChainedRecord(event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return records;
  }

  async streamsOfJourney(beneficiaryId: string): Promise<string[]> {
    const streams = new Set<string>();
    try {
      for await (const { event } of this.client.readStream(`${JOURNEY_PREFIX}${beneficiaryId}`, { resolveLinkTos: true })) {
        if (isJourneyEvent(event)) streams.add(event.streamId);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return [...streams];
  }

  async readAllRecords({ after, maxCount }: { after?: LogPosition; maxCount: number }): Promise<ChainedRecordPage> {
    const { items, ...page } = await this.readAllPage({ ...(after !== undefined ? { after } : {}), maxCount }, toChainedRecord);
    return { records: items, ...page };
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    const after = options.after === undefined ? undefined : decodeKurrentPosition(options.after);
    // The server's checkpoints enter the subscription's own stream, behind the events that came
    // before them, so they reach `onCheckpoint` in log order and between batches.
    const checkpointReached = options.onCheckpoint
      ? (source: AllStreamSubscription, position: Position) => void source.push(new CheckpointReached(position))
      : undefined;
    const source = this.client.subscribeToAll({
      fromPosition: after ?? START,
      filter: filterFor(options.streamPrefixes, checkpointReached && { checkpointInterval: CHECKPOINT_INTERVAL, checkpointReached }),
    });
    const subscription = new KurrentSubscription(source, options, after, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async load(name: string): Promise<LogPosition | undefined> {
    try {
      const read = this.client.readStream(`${CHECKPOINT_PREFIX}${name}`, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      for await (const { event } of read) {
        const data = event?.data as { position?: unknown } | undefined;
        if (typeof data?.position === 'string') return data.position;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return undefined;
  }

  /**
   * Only the last checkpoint matters, so the stream keeps one event (`$maxCount` 1). The cap is
   * made sure of before the first append of each name in this process (read, and written when
   * missing), not only after a stream's first event: a save whose metadata write failed fails
   * as a whole, and the next save sets it, so no checkpoint stream grows for ever.
   */
  async save(name: string, position: LogPosition): Promise<void> {
    const stream = `${CHECKPOINT_PREFIX}${name}`;
    await this.capCheckpointStream(stream);
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_SAVED, data: { position } }));
  }

  /**
   * Up while the server answers and the journey projection runs. Down, with the reason, when the
   * server does not answer or the projection is missing, stopped or faulted: journeys would
   * silently stop growing.
   */
  async health(): Promise<ComponentHealth> {
    let projection: ProjectionDetails | undefined;
    try {
      [, projection] = await withTimeout(Promise.all([this.probe(), this.journeyProjection({ deadline: HEALTH_TIMEOUT_MS })]), HEALTH_TIMEOUT_MS);
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { error: error instanceof Error ? error.message : String(error) } };
    }
    const verdict = projectionHealth(this.projection, projection);
    return { status: verdict.running ? 'up' : 'down', kind: this.kind, details: verdict.details };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** The cheapest round trip: reading a stream that does not exist. */
  private async probe(): Promise<void> {
    try {
      await this.client.readStream(HEALTH_PROBE_STREAM, { maxCount: 1 }).next();
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
  }

  /** The journey projection's statistics; undefined when it does not exist; other failures throw. */
  private async journeyProjection(options: { deadline?: number } = {}): Promise<ProjectionDetails | undefined> {
    try {
      return await this.client.getProjectionStatus(this.projection, options);
    } catch (error) {
      if (classifyProjectionError(error) === 'missing') return undefined;
      throw error;
    }
  }

  /** Sets the checkpoint stream's `$maxCount` to 1 unless it is, once per stream and instance (retried after a failure). */
  private capCheckpointStream(stream: string): Promise<void> {
    let capped = this.cappedCheckpoints.get(stream);
    if (!capped) {
      capped = (async () => {
        const { metadata } = await this.client.getStreamMetadata(stream, { requiresLeader: true });
        if (metadata?.maxCount !== 1) await this.client.setStreamMetadata(stream, { ...metadata, maxCount: 1 });
      })();
      this.cappedCheckpoints.set(stream, capped);
      capped.catch(() => this.cappedCheckpoints.delete(stream));
    }
    return capped;
  }

  /** $all's last record, read backwards (one record, whatever the history), and when the server created it. */
  async logHead(): Promise<LogHead | undefined> {
    for await (const { event } of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
      if (event?.position) return { position: encodeKurrentPosition(event.position), recordedAt: event.created.toISOString() };
    }
    return undefined;
  }

  /** Position of the last record in $all (any record), or undefined for an empty log. */
  private async headPosition(): Promise<KurrentPosition | undefined> {
    for await (const { event } of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) return event?.position;
    return undefined;
  }

  /**
   * Where the batch links to, and the stream state to append at so that nobody can change that
   * link in between; or, for an `any` / `stream_exists` retry of the stream's last events, the
   * answer the first append had.
   */
  private async chainHead(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): Promise<{ state: AppendStreamState; previousHash: string; chosenHere: boolean } | { repeated: AppendResult }> {
    if (expected === 'no_stream') return { state: NO_STREAM, previousHash: GENESIS_HASH, chosenHere: false };
    if (typeof expected === 'number') {
      const [last] = await this.lastEvents(stream, 1);
      const actual = last ? Number(last.revision) : -1;
      // Behind the expectation it is a conflict now: were the stream to reach it before the
      // write, the server would take a previous hash read too early.
      if (actual < expected) throw new StreamRevisionConflict(stream, expected, actual);
      // Beyond it the server stores nothing (it answers an idempotent repeat or refuses), so the
      // previous hash sent is never kept.
      return { state: BigInt(expected), previousHash: actual === expected ? hashOf(last!) : GENESIS_HASH, chosenHere: false };
    }
    const tail = await this.lastEvents(stream, events.length);
    const last = tail[tail.length - 1];
    if (!last) {
      if (expected === 'stream_exists') throw new StreamRevisionConflict(stream, expected, -1);
      return { state: NO_STREAM, previousHash: GENESIS_HASH, chosenHere: true };
    }
    const ids = events.map((event) => event.id);
    if (tail.length === ids.length && tail.every((event, index) => event.id === ids[index])) {
      return { repeated: { nextExpectedRevision: Number(last.revision), position: encodeKurrentPosition(recordedPosition(last)) } };
    }
    if (tail.some((event) => ids.includes(event.id))) throw new StreamRevisionConflict(stream, expected, Number(last.revision));
    return { state: last.revision, previousHash: hashOf(last), chosenHere: true };
  }

  /** The stream's last `count` events, in revision order, read from the leader (what the next append will meet). */
  private async lastEvents(stream: string, count: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: count, requiresLeader: true });
      for await (const { event } of read) if (event) events.unshift(event);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return events;
  }

  private async write(stream: string, events: readonly NewEvent[], state: AppendStreamState, previousHash: string): Promise<AppendResult> {
    const firstRevision = state === NO_STREAM ? 0 : Number(state) + 1;
    const chained = events.map((event, index) => {
      const stored = { ...textOf(event), stream, revision: firstRevision + index };
      const hash = eventHash(stored, previousHash);
      const data = toEventData(event, previousHash, hash);
      previousHash = hash;
      return data;
    });
    // The server answers a retry of stored event ids (same expected revision) with the first
    // append's revision and position; a batch that is only partly stored fails as a wrong
    // expected version.
    const result = await this.client.appendToStream(stream, chained, { streamState: state });
    // With throwOnAppendFailure off, the client answers a conflict as success: false, with a
    // wrong current revision (client 1.3.1 reports BigInt(hasCurrentStreamRevision())).
    if (!result.success) throw new Error('KurrentDbEventStore needs a client that throws on append failures (the default)');

    // The answer's position is the batch's last event's $all position: the server replies with
    // the log position of the write's last prepare record, as both commit and prepare position
    // (WriteEvents' success message, from the CommitAck of the TransactionEnd prepare), and
    // $all gives an event written so (implicitly committed) that same pair. An idempotent
    // reply gives the last event's log position when the server can read it, and no position
    // otherwise: only then is it read back.
    const position = result.position ?? (await this.positionOf(stream, result.nextExpectedRevision));
    return { nextExpectedRevision: Number(result.nextExpectedRevision), position: encodeKurrentPosition(position) };
  }

  /**
   * A page of $all's envelopes, each mapped: the events of `readAll`, the records of
   * `readAllRecords`. The server filters by stream, but records that are not envelopes (link
   * events, `$`-types, another tool's records) are dropped here: a server page made only of them
   * is read past, from where it ended, until the page holds an envelope or the log ends. So a
   * page is empty only at the end of the log, and `endOfLog` says so only when a read came back
   * short of what it asked for.
   */
  private async readAllPage<T>(
    { after, maxCount, streamPrefixes }: ReadAllOptions,
    map: (event: RecordedEvent) => T,
  ): Promise<{ items: T[]; checkpoint?: LogPosition; endOfLog: boolean }> {
    const origin = after === undefined ? undefined : decodeKurrentPosition(after);
    // The head before the page: a page that ends short has read to the end of the log, so it
    // has passed every record up to this head even if none of them matched (the client does not
    // hand out the server's own filtered-read checkpoints).
    const head = await this.headPosition();
    const filter = filterFor(streamPrefixes);
    const items: T[] = [];
    let passed = origin;
    for (;;) {
      const from = passed;
      // Reading $all from a position includes the record at it: ask for one more, drop it below.
      // After a server page of records that are not envelopes, read on in pages of at least
      // DEFAULT_BATCH_SIZE, so a long run of them costs few round trips.
      const wanted = items.length === 0 && from === origin ? maxCount : Math.max(maxCount - items.length, DEFAULT_BATCH_SIZE);
      const requested = wanted + (from ? 1 : 0);
      let received = 0;
      for await (const resolved of this.client.readAll({ fromPosition: from ?? START, maxCount: requested, filter })) {
        received++;
        const position = resolved.event?.position;
        if (position && (!passed || compareKurrentPositions(position, passed) > 0)) passed = position;
        const event = envelopeIn(resolved);
        if (!event || (from && compareKurrentPositions(event.position, from) <= 0)) continue;
        items.push(map(event));
        if (items.length === maxCount) break;
      }
      const endOfLog = items.length < maxCount && received < requested;
      if (endOfLog && head && (!passed || compareKurrentPositions(head, passed) > 0)) passed = head;
      // Full, or at the end of the log, or a full server page that held envelopes: that is a page.
      if (items.length > 0 || endOfLog || maxCount <= 0) return { items, ...(passed ? { checkpoint: encodeKurrentPosition(passed) } : {}), endOfLog };
      // A full server page without an envelope: the log goes on past it, and so does this read.
      if (!passed || (from && compareKurrentPositions(passed, from) <= 0)) throw new Error(`KurrentDB's $all read did not move past ${after ?? 'the start'}`);
    }
  }

  private async positionOf(stream: string, revision: bigint): Promise<KurrentPosition> {
    const read = this.client.readStream(stream, { fromRevision: revision, maxCount: 1, requiresLeader: true });
    for await (const { event } of read) if (event?.position) return event.position;
    throw new Error(`KurrentDB gave no position for ${stream}@${revision}: the server must be 22.6 or later`);
  }
}

/** A `checkpointReached` from the server, queued in the subscription's stream among its events. */
class CheckpointReached {
  constructor(readonly position: KurrentPosition) {}
}

/**
 * Follows a client subscription to $all, handing `onEvents` what has already arrived (up to
 * `maxBatchSize`) and reading more only once the handler has settled. A server checkpoint ends
 * the batch before it and goes to `onCheckpoint` once that batch is handled.
 */
class KurrentSubscription implements Subscription {
  private stopped = false;
  private readonly done: Promise<void>;
  /** Furthest position delivered or reported: a checkpoint goes out only when it is beyond. */
  private reached: KurrentPosition | undefined;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly options: SubscribeToAllOptions,
    /** Last position accepted: guards against the server repeating the start position. */
    private last: KurrentPosition | undefined,
    onClosed: () => void,
  ) {
    this.reached = last;
    // Errors also reach the reader below; this listener keeps a late one (after the reader is
    // gone) from becoming an uncaught 'error' event.
    source.on('error', () => undefined);
    this.done = this.run().finally(onClosed);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
    await this.done;
  }

  private async run(): Promise<void> {
    try {
      await this.deliver();
      if (!this.stopped) throw new Error('KurrentDB ended the $all subscription');
    } catch (error) {
      if (this.stopped) return;
      this.stopped = true;
      await this.release();
      this.options.onError?.(error);
    }
  }

  private async deliver(): Promise<void> {
    const { maxBatchSize = DEFAULT_BATCH_SIZE, onEvents } = this.options;
    const reader: AsyncIterator<AllStreamResolvedEvent | CheckpointReached> = this.source[Symbol.asyncIterator]();
    while (!this.stopped) {
      const next = await reader.next();
      if (next.done || this.stopped) return;
      const batch: StoredEvent[] = [];
      let item: AllStreamResolvedEvent | CheckpointReached | null = next.value;
      let checkpoint: KurrentPosition | undefined;
      while (item !== null) {
        if (item instanceof CheckpointReached) {
          checkpoint = item.position;
          break;
        }
        this.accept(batch, item);
        item = batch.length < maxBatchSize ? (this.source.read() as AllStreamResolvedEvent | CheckpointReached | null) : null;
      }
      if (batch.length > 0) await onEvents(batch);
      if (checkpoint && !this.stopped) await this.report(checkpoint);
    }
  }

  private accept(batch: StoredEvent[], resolved: AllStreamResolvedEvent): void {
    const event = envelopeIn(resolved);
    if (event && (!this.last || compareKurrentPositions(event.position, this.last) > 0)) {
      this.last = event.position;
      if (!this.reached || compareKurrentPositions(event.position, this.reached) > 0) this.reached = event.position;
      batch.push(toStoredEvent(event));
    }
  }

  /** Hands on a checkpoint beyond everything delivered (servers have repeated old ones while live). */
  private async report(position: KurrentPosition): Promise<void> {
    if (this.reached && compareKurrentPositions(position, this.reached) <= 0) return;
    this.reached = position;
    await this.options.onCheckpoint?.(encodeKurrentPosition(position));
  }

  /** Ends the pending read at once (destroy) and cancels the server call (unsubscribe). */
  private async release(): Promise<void> {
    this.source.destroy();
    await this.source.unsubscribe().catch(() => undefined);
  }
}

const toEventData = (event: NewEvent, previousHash: string, hash: string) =>
  jsonEvent({
    id: event.id,
    type: event.type,
    // JSON on the wire: any JSON value round-trips, whatever the client's type says.
    data: (event.data ?? null) as JSONType,
    metadata: { ...event.metadata, [SCHEMA_VERSION]: event.schemaVersion, [PREVIOUS_HASH]: previousHash, [HASH]: hash },
  });

/** The text the client writes for an event (it serialises with JSON.stringify), which the hash covers. */
const textOf = (event: NewEvent) => ({
  id: event.id,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: JSON.stringify(event.data ?? null),
  metadata: JSON.stringify(event.metadata),
});

/** The envelope a $all record carries, if it carries one (not a link, system or foreign record). */
const envelopeIn = ({ event, link }: AllStreamResolvedEvent): AllStreamRecordedEvent | undefined =>
  event && !link && !event.type.startsWith('$') && !event.streamId.startsWith('$') && isEnvelope(event) ? event : undefined;

/** A journey link's resolved event, if it is one of the journey's events (see readJourney). */
const isJourneyEvent = (event: RecordedEvent | undefined): event is RecordedEvent => !!event && !event.type.startsWith('$') && isEnvelope(event);

/**
 * What health says of the journey projection: running, or not with the reason (the server's
 * `stateReason` when it gives one, e.g. a faulted query's error).
 */
export const projectionHealth = (
  name: string,
  projection: Pick<ProjectionDetails, 'status' | 'stateReason'> | undefined,
): { running: boolean; details: Record<string, unknown> } => {
  if (!projection) {
    return {
      running: false,
      details: { journeyProjection: 'missing', reason: `the ${name} projection does not exist: journeys are not being built (init() creates it; the server must run projections)` },
    };
  }
  const status = projection.status ?? '';
  // `Running`, or `Running/<processing status>`; anything else (`Stopped`, `Faulted`, `Stopped/Faulted`…) is not.
  if (status.split('/')[0] === RUNNING) return { running: true, details: { journeyProjection: status } };
  const reason = projection.stateReason ? projection.stateReason : `the ${name} projection is ${status || 'not running'}: journeys are not being updated`;
  return { running: false, details: { journeyProjection: status || 'unknown', reason } };
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const isEnvelope = (event: RecordedEvent): boolean =>
  event.isJson && typeof (event.metadata as Record<string, unknown> | undefined)?.[SCHEMA_VERSION] === 'number';

const recordedPosition = (event: RecordedEvent): KurrentPosition => {
  if (!event.position) throw new Error(`KurrentDB gave no position for ${event.streamId}@${event.revision}: the server must be 22.6 or later`);
  return event.position;
};

/** An envelope's metadata as the writer gave it, apart from what this adapter adds to it. */
const envelopeOf = (event: RecordedEvent) => {
  if (!isEnvelope(event)) throw new Error(`${event.streamId}@${event.revision} is not an event envelope`);
  const { [SCHEMA_VERSION]: schemaVersion, [PREVIOUS_HASH]: previousHash, [HASH]: hash, ...metadata } = event.metadata as Record<string, unknown>;
  return { schemaVersion: schemaVersion as number, metadata: metadata as EventMetadata, previousHash, hash };
};

const toStoredEvent = (event: RecordedEvent): StoredEvent => {
  const { schemaVersion, metadata } = envelopeOf(event);
  return {
    id: event.id,
    type: event.type,
    schemaVersion,
    data: event.data,
    metadata,
    stream: event.streamId,
    revision: Number(event.revision),
    position: encodeKurrentPosition(recordedPosition(event)),
  };
};

/**
 * The record verification reads: the client parsed the stored JSON, and serialising it again
 * gives the bytes it wrote (JSON.stringify of a value JSON.parse made is stable), so an event
 * changed on the server no longer gives its hash.
 */
const toChainedRecord = (event: RecordedEvent): ChainedRecord => {
  const { schemaVersion, metadata, previousHash, hash } = envelopeOf(event);
  return {
    stream: event.streamId,
    revision: Number(event.revision),
    position: encodeKurrentPosition(recordedPosition(event)),
    id: event.id,
    type: event.type,
    schemaVersion,
    data: JSON.stringify(event.data ?? null),
    metadata: JSON.stringify(metadata),
    previousHash: typeof previousHash === 'string' ? previousHash : null,
    hash: typeof hash === 'string' ? hash : null,
  };
};

/** The hash the next event of the stream links to (the genesis hash after an event stored without a chain, which verification reports). */
const hashOf = (event: RecordedEvent): string => toChainedRecord(event).hash ?? GENESIS_HASH;

type CheckpointOptions = Pick<Parameters<typeof streamNameFilter>[0], 'checkpointInterval' | 'checkpointReached'>;

/** The caller's prefixes, or every stream but system (`$…`) and this adapter's own streams. */
const filterFor = (prefixes: readonly string[] = [], checkpoints: CheckpointOptions = {}) =>
  prefixes.length > 0 && !prefixes.includes('')
    ? streamNameFilter({ prefixes: [...prefixes], ...checkpoints })
    : streamNameFilter({ regex: `^(?!\\$|${CHECKPOINT_PREFIX}|${JOURNEY_PREFIX})`, ...checkpoints });

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};
