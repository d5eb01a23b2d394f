import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { StoredEvent } from '@oriental/contracts';
import { EventStore, LogFollower, LogFollowerStatus } from '@oriental/event-store';
import { applyBatch, DocumentProjection, ProjectionCheckpoints, ReadStore } from '@oriental/read-store';
import { Enrolment, EnrolmentChange, enrolmentChangesOf, enrolmentsCollection, enrolmentsProjection, enrolmentStreamPrefixes } from './enrolments.projection';

/** The follower's checkpoint name, in the service's read store (`projection_checkpoints`). */
export const ENROLMENTS_FOLLOWER = 'capacity-building-enrolments';

/** The one lane that writes the enrolments: only this follower does. */
const LANE = 'follower';

/**
 * Keeps the enrolments read model in step with the `session-` streams: a `LogFollower` of the
 * event store's log, as intake's duplicate index is. Nothing is lost when the process dies
 * between a command's append and the read model's write: the read model is written from the
 * log, and the checkpoint (kept in the same read store, so both are lost or kept together) is
 * stored only after a batch's documents are. A batch applied again changes nothing (each
 * document holds the session revision it was made from). An empty read store (a lost file, a
 * new MongoDB database) is filled again from the start of the log.
 */
export class EnrolmentsFollower implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly follower: LogFollower;
  private readonly projection: DocumentProjection<EnrolmentChange, Enrolment>;

  constructor(
    store: EventStore,
    private readonly readStore: ReadStore,
  ) {
    this.projection = enrolmentsProjection(enrolmentsCollection(readStore));
    this.follower = new LogFollower({
      name: ENROLMENTS_FOLLOWER,
      store,
      checkpoints: new ProjectionCheckpoints(readStore),
      streamPrefixes: enrolmentStreamPrefixes,
      handle: (events) => this.apply(events),
      logger: new Logger('EnrolmentsFollower'),
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.follower.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.follower.stop();
  }

  /** How far the read model got, and whether it is failing: shown on `/health`. */
  status(): LogFollowerStatus {
    return this.follower.status();
  }

  private async apply(events: StoredEvent[]): Promise<void> {
    const changes = events.flatMap(enrolmentChangesOf);
    if (changes.length > 0) await applyBatch(this.readStore, this.projection, LANE, changes);
  }
}
