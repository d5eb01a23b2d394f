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
  RecordedEvent,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { assertValidEvent, EventMetadata, LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';
import {
  AppendResult,
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

/**
 * KurrentDB has no secondary index, so a continuous projection links every event that names a
 * beneficiary into `journey-<beneficiaryId>`, in $all order (docs/adr/0002-kurrentdb-journeys.md).
 * It parses `metadataRaw` itself: `event.metadata` throws on non-JSON metadata, which would
 * fault the projection. Changing this query means a new projection name (…-v2).
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
 * - Checkpoints are `checkpoint-<name>` streams that keep one event (`$maxCount` 1).
 * - Tamper evidence: each event's metadata carries `$previousHash` and `$hash`, computed here
 *   over the data and metadata JSON text the client writes (JSON.stringify, as the SQLite
 *   adapter stores it, so a log copied between adapters keeps its hashes). The server cannot
 *   compute them, so an append needs its stream's head first (see chainHead): `no_stream` links
 *   to the genesis hash with no read; any other expectation reads the stream's last event from
 *   the leader, and `any` / `stream_exists` then append at the revision read, so that no other
 *   writer can come between the read and the write (read again and retried when one did).
 *   The price is one read per append to an existing stream. A retry with `any` is recognised
 *   while its events are still the stream's last ones (the server's own check used its id cache).
 * - A filtered subscription reports the server's `checkpointReached` positions to `onCheckpoint`,
 *   in order with the events; they come every few hundred records passed (CHECKPOINT_INTERVAL),
 *   so a quiet follower's position can rest that far behind the head.
 */
export class KurrentDbEventStore implements EventStore, CheckpointStore, ChainedLog {
  readonly kind = 'kurrentdb';
  private readonly subscriptions = new Set<KurrentSubscription>();

  constructor(private readonly client: KurrentDBClient) {}

  /** Connects and makes sure the journey projection exists. */
  static async connect(connectionString: string): Promise<KurrentDbEventStore> {
    const store = new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString));
    try {
      await store.init();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Creates the journey projection unless it exists; safe to run from every process at start. */
  async init(): Promise<void> {
    try {
      await this.client.createProjection(JOURNEY_PROJECTION, JOURNEY_QUERY, { emitEnabled: true });
    } catch (error) {
      // Another process (or an earlier start) created it: that is all we wanted.
      if ((await this.journeyProjectionStatus()) === undefined) {
        throw new Error(
          `Could not create the ${JOURNEY_PROJECTION} projection: the server must run projections (KURRENTDB_RUN_PROJECTIONS=All)`,
          { cause: error },
        );
      }
    }
  }

  async appendToStream(stream: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (events.length === 0) throw new Error(`appendToStream(${stream}) needs at least one event`);
    events.forEach((event, index) => assertValidEvent(event, `${stream} event #${index}`));
    const { expectedRevision } = options;

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
        // projection links an event again.
        if (!event || event.type.startsWith('$')) continue;
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
        if (event && !event.type.startsWith('$')) streams.add(event.streamId);
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

  async save(name: string, position: LogPosition): Promise<void> {
    const stream = `${CHECKPOINT_PREFIX}${name}`;
    const { nextExpectedRevision } = await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_SAVED, data: { position } }));
    // Only the last checkpoint matters: from the first save on, the server keeps one event.
    if (nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 });
  }

  async health(): Promise<ComponentHealth> {
    try {
      const [, journeyProjection] = await withTimeout(Promise.all([this.probe(), this.journeyProjectionStatus()]), HEALTH_TIMEOUT_MS);
      return { status: 'up', kind: this.kind, details: { journeyProjection: journeyProjection ?? 'missing' } };
    } catch (error) {
      return { status: 'down', kind: this.kind, details: { error: error instanceof Error ? error.message : String(error) } };
    }
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

  /** e.g. `Running`, `Faulted`; undefined when the projection does not exist. */
  private async journeyProjectionStatus(): Promise<string | undefined> {
    try {
      return (await this.client.getProjectionStatus(JOURNEY_PROJECTION))?.status;
    } catch {
      return undefined;
    }
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

    // A one-event append answers that event's own position. For a batch, the server's answer is
    // not documented to be the last event's $all position, so read it back from the leader.
    const position =
      events.length === 1 && result.position ? result.position : await this.positionOf(stream, result.nextExpectedRevision);
    return { nextExpectedRevision: Number(result.nextExpectedRevision), position: encodeKurrentPosition(position) };
  }

  /** A page of $all's envelopes, each mapped: the events of `readAll`, the records of `readAllRecords`. */
  private async readAllPage<T>(
    { after, maxCount, streamPrefixes }: ReadAllOptions,
    map: (event: RecordedEvent) => T,
  ): Promise<{ items: T[]; checkpoint?: LogPosition; endOfLog: boolean }> {
    const from = after === undefined ? undefined : decodeKurrentPosition(after);
    // The head before the page: a page that ends short has read to the end of the log, so it
    // has passed every record up to this head even if none of them matched (the client does not
    // hand out the server's own filtered-read checkpoints).
    const head = await this.headPosition();
    const items: T[] = [];
    let passed = from;
    let received = 0;
    // Reading $all from a position includes the record at it: ask for one more, drop it below.
    const requested = maxCount + (from ? 1 : 0);
    const read = this.client.readAll({ fromPosition: from ?? START, maxCount: requested, filter: filterFor(streamPrefixes) });
    for await (const resolved of read) {
      received++;
      const position = resolved.event?.position;
      if (position && (!passed || compareKurrentPositions(position, passed) > 0)) passed = position;
      const event = envelopeIn(resolved);
      if (!event || (from && compareKurrentPositions(event.position, from) <= 0)) continue;
      items.push(map(event));
      if (items.length === maxCount) break;
    }
    const full = items.length === maxCount;
    const endOfLog = !full && received < requested;
    if (endOfLog && head && (!passed || compareKurrentPositions(head, passed) > 0)) passed = head;
    return { items, ...(passed ? { checkpoint: encodeKurrentPosition(passed) } : {}), endOfLog };
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
