import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { StoredEvent } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import { LogFollower, LogFollowerOptions, LogFollowerStatus } from '@oriental/event-store';
import { BeneficiaryEvent, beneficiaryDecider } from '@oriental/intake-domain';
import { applyBatch, DocumentProjection, ProjectionCheckpoints, ReadStore } from '@oriental/read-store';
import type { EventCodec } from '@oriental/service-kit';
import { intakeStreamPrefixes } from '../integration/intake-integration-events';
import { DuplicateKeys, IndexedHashes } from './duplicate-keys';
import { duplicateIndexCollection, duplicateIndexProjection, IndexChange } from './duplicate-index';

/** The follower's checkpoint name, in intake's read store (`projection_checkpoints`). */
export const DUPLICATE_INDEX_FOLLOWER = 'intake-duplicate-index';

/** Which key the index's hashes are under (`DuplicateKeys.keyId`), one document. */
export const DUPLICATE_INDEX_KEY = 'intake_duplicate_index_key';

/**
 * The stored events that may change who a beneficiary is as far as the index knows: the
 * registration, a correction of their personal data (the fields it gives replace theirs), and
 * the erasure of their personal data (their hashes are removed: they are found under nothing).
 */
const INDEXED_EVENT_TYPES: ReadonlySet<string> = new Set(['BeneficiaryRegistered', 'PersonalDataRecorded', 'PersonalDataErased']);

/** The one lane that writes the index: only this follower does. */
const LANE = 'follower';

const NO_HASHES: IndexedHashes = { nameHash: null, phoneHash: null };

export interface DuplicateIndexFollowerOptions extends Pick<LogFollowerOptions, 'store' | 'maxBatchSize' | 'checkpointIntervalMs' | 'retryDelayMs' | 'maxRetryDelayMs'> {
  readStore: ReadStore;
  /** Intake's codec: the only place personal data is opened. */
  codec: EventCodec<BeneficiaryEvent>;
  keys: DuplicateKeys;
}

/**
 * Keeps the duplicate index in step with intake's own `beneficiary-` streams: a `LogFollower`
 * of the event store's log, as the forwarder is. Registration only appends; nothing is lost
 * when the process dies between the append and the index write, because the index is written
 * from the log, and the checkpoint (kept in the same read store as the index, so both are lost
 * or kept together) is stored only after a batch's entries are. A batch indexed again after a
 * crash changes nothing: each entry holds the stream revision it was made from.
 *
 * Started when the Nest application boots, stopped (batch in flight finished, position stored)
 * when it shuts down.
 */
export class DuplicateIndexFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly follower: LogFollower;
  private readonly projection: DocumentProjection<IndexChange, IndexedHashes>;

  constructor(private readonly options: DuplicateIndexFollowerOptions) {
    this.projection = duplicateIndexProjection(duplicateIndexCollection(options.readStore));
    this.follower = new LogFollower({
      ...options,
      name: DUPLICATE_INDEX_FOLLOWER,
      checkpoints: new ProjectionCheckpoints(options.readStore),
      streamPrefixes: intakeStreamPrefixes,
      handle: (events) => this.index(events),
      logger: new Logger('DuplicateIndexFollower'),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /**
   * Loads the checkpoint and follows the log from there; rejects only when the checkpoint cannot
   * be read. An index whose hashes are under another key (the master key was rotated) is emptied
   * first and built again from the log.
   */
  async start(): Promise<void> {
    await this.forgetHashesUnderAnotherKey();
    return this.follower.start();
  }

  /** Stops following, lets the batch in flight finish, and stores how far it got. */
  stop(): Promise<void> {
    return this.follower.stop();
  }

  /** How far the index got, and whether it is failing: shown on `/health`. */
  status(): LogFollowerStatus {
    return this.follower.status();
  }

  /**
   * Hashes made under a retired master key find nobody under the new one: the index is emptied
   * and its checkpoint reset, so that the follower indexes every person again. An index without
   * a recorded key (made before keys could change) is under the current one.
   */
  private async forgetHashesUnderAnotherKey(): Promise<void> {
    const { readStore, keys } = this.options;
    const recorded = readStore.collection<{ keyId: string }>(DUPLICATE_INDEX_KEY);
    const stored = await recorded.get('index');
    if (stored?.data.keyId === keys.keyId) return;
    if (stored) {
      await duplicateIndexCollection(readStore).drop();
      await new ProjectionCheckpoints(readStore).reset(DUPLICATE_INDEX_FOLLOWER);
      new Logger('DuplicateIndexFollower').log('the personal-data master key changed: indexing every person again under the new one');
    }
    // Lost to another instance doing the same at the same time: theirs is the same key.
    await recorded.write('index', { keyId: keys.keyId }, { expectedVersion: stored?.version ?? 0 });
  }

  private async index(events: StoredEvent[]): Promise<void> {
    const changes = (await Promise.all(events.filter((event) => INDEXED_EVENT_TYPES.has(event.type)).map((event) => this.changeOf(event)))).filter(
      (change): change is IndexChange => change !== undefined,
    );
    if (changes.length > 0) await applyBatch(this.options.readStore, this.projection, LANE, changes);
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
}
