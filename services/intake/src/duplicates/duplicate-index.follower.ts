import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LogPosition, StoredEvent } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import type { EventStore, Subscription } from '@oriental/event-store';
import { BeneficiaryEvent, beneficiaryDecider } from '@oriental/intake-domain';
import { applyBatch, DocumentProjection, ProjectionCheckpoints, ReadStore } from '@oriental/read-store';
import type { EventCodec } from '@oriental/service-kit';
import { intakeStreamPrefixes } from '../integration/intake-integration-events';
import { DuplicateKeys, IndexedHashes } from './duplicate-keys';
import { duplicateIndexCollection, duplicateIndexProjection, IndexChange } from './duplicate-index';

/** The follower's checkpoint name, in intake's read store (`projection_checkpoints`). */
export const DUPLICATE_INDEX_FOLLOWER = 'intake-duplicate-index';

/**
 * The stored events that may change who a beneficiary is as far as the index knows: the
 * registration, and a correction of their personal data (the fields it gives replace theirs).
 */
const INDEXED_EVENT_TYPES: ReadonlySet<string> = new Set(['BeneficiaryRegistered', 'PersonalDataRecorded']);

/** The one lane that writes the index: only this follower does. */
const LANE = 'follower';

const NO_HASHES: IndexedHashes = { nameHash: null, phoneHash: null };

export interface DuplicateIndexFollowerOptions {
  store: EventStore;
  readStore: ReadStore;
  /** Intake's codec: the only place personal data is opened. */
  codec: EventCodec<BeneficiaryEvent>;
  keys: DuplicateKeys;
  /** Largest batch read and indexed at once (default 500). */
  maxBatchSize?: number;
  /** Least time between two saves of a position passed without intake events (default 5 s). */
  checkpointIntervalMs?: number;
  /** First delay before following again after a failure (default 1 s); doubles up to 30 s. */
  retryDelayMs?: number;
}

/**
 * Keeps the duplicate index in step with intake's own `beneficiary-` streams: a checkpointed
 * follower of the event store's log, as the forwarder is. Registration only appends; nothing is
 * lost when the process dies between the append and the index write, because the index is
 * written from the log, and the checkpoint (kept in the same read store as the index, so both are
 * lost or kept together) is stored only after a batch's entries are. A batch indexed again after
 * a crash changes nothing: each entry holds the stream revision it was made from.
 *
 * Started when the Nest application boots, stopped (batch in flight finished, position stored)
 * when it shuts down.
 */
export class DuplicateIndexFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DuplicateIndexFollower');
  private readonly checkpoints: ProjectionCheckpoints;
  private readonly projection: DocumentProjection<IndexChange, IndexedHashes>;
  private running = false;
  private subscription?: Subscription;
  private stopping?: Promise<void>;
  private inFlight?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  /** Where the follower got, and the last position stored (and when). */
  private reached?: LogPosition;
  private saved?: LogPosition;
  private savedAt = 0;

  constructor(private readonly options: DuplicateIndexFollowerOptions) {
    this.checkpoints = new ProjectionCheckpoints(options.readStore);
    this.projection = duplicateIndexProjection(duplicateIndexCollection(options.readStore));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Loads the checkpoint and follows the log from there; rejects only when the checkpoint cannot be read. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.follow();
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  /** Stops following, lets the batch in flight finish, and stores how far it got. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
    await this.stopping;
    await this.inFlight?.catch(() => undefined);
    if (this.reached !== undefined && this.reached !== this.saved) await this.save(this.reached).catch(() => undefined);
  }

  private async follow(): Promise<void> {
    await this.stopping;
    this.stopping = undefined;
    const after = await this.checkpoints.load(DUPLICATE_INDEX_FOLLOWER);
    this.saved = this.reached = after;
    this.savedAt = Date.now();
    if (!this.running) return;
    this.subscription = this.options.store.subscribeToAll({
      ...(after !== undefined ? { after } : {}),
      streamPrefixes: intakeStreamPrefixes,
      maxBatchSize: this.options.maxBatchSize ?? 500,
      onEvents: (events) => (this.inFlight = this.index(events)),
      onCheckpoint: (position) => (this.inFlight = this.passed(position)),
      onError: (error) => this.failed(error),
    });
  }

  private async index(events: StoredEvent[]): Promise<void> {
    const changes = (await Promise.all(events.filter((event) => INDEXED_EVENT_TYPES.has(event.type)).map((event) => this.changeOf(event)))).filter(
      (change): change is IndexChange => change !== undefined,
    );
    if (changes.length > 0) await applyBatch(this.options.readStore, this.projection, LANE, changes);
    const last = events[events.length - 1]!.position;
    this.reached = last;
    await this.save(last);
    this.failures = 0;
  }

  /**
   * The hashes of the person as of `event`: their stream folded up to it (a registration is
   * the first event, and needs no read), so a correction that gives only a phone keeps the name.
   */
  private async changeOf(event: StoredEvent): Promise<IndexChange | undefined> {
    const history = event.revision === 0 ? [event] : await this.options.store.readStream(event.stream, { maxCount: event.revision + 1 });
    const state = fold(beneficiaryDecider, await Promise.all(history.map((stored) => this.options.codec.decode(stored))));
    if (state.status === 'unknown') return undefined;
    const { person, birthYear, beneficiaryId } = state;
    // Erased (the key was destroyed): the person is found under nothing any more.
    const hashes = person
      ? this.options.keys.hashesOf({ firstName: person.firstName, lastName: person.lastName, birthYear, ...(person.phone ? { phone: person.phone } : {}) })
      : NO_HASHES;
    return { beneficiaryId, hashes, source: { stream: event.stream, revision: event.revision, position: event.position } };
  }

  /** The log went past other categories' events: stored now and then, and on stop. */
  private async passed(position: LogPosition): Promise<void> {
    this.reached = position;
    if (Date.now() - this.savedAt < (this.options.checkpointIntervalMs ?? 5_000)) return;
    await this.save(position).catch((error: unknown) => {
      // Nothing is lost: a restart reads those events again and skips them.
      this.savedAt = Date.now();
      this.logger.warn(`could not store the position passed (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  private async save(position: LogPosition): Promise<void> {
    await this.checkpoints.save(DUPLICATE_INDEX_FOLLOWER, position);
    this.saved = position;
    this.savedAt = Date.now();
  }

  /** A batch or a read failed: follow again from the stored checkpoint after a backoff. */
  private failed(error: unknown): void {
    this.stopping = this.subscription?.stop().catch(() => undefined);
    this.subscription = undefined;
    this.failures += 1;
    if (!this.running) return;
    const delay = Math.min((this.options.retryDelayMs ?? 1_000) * 2 ** (this.failures - 1), 30_000);
    this.logger.error(`indexing failed (${error instanceof Error ? error.message : String(error)}); following again from the checkpoint in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.follow().catch((reason: unknown) => this.failed(reason));
    }, delay);
  }
}
