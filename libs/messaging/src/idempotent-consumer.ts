/** Where a consumer remembers the event ids it has applied (a table, a collection, a set in tests). */
export interface ProcessedEventIds {
  has(eventId: string): Promise<boolean>;
  add(eventId: string): Promise<void>;
}

/**
 * Makes an at-least-once consumer exactly-once in effect: an event whose id was already applied
 * is acknowledged without being applied again. For consumers that are not per-document
 * projections (those keep a checkpoint inside each document: the read-store's `applyBatch`).
 *
 * The id is recorded after the effect. A crash between the two applies the event again on
 * redelivery, so the effect should itself be idempotent (an upsert, a keyed insert), or the
 * `ProcessedEventIds` should be written in the same transaction as the effect. Deliveries of one
 * key are sequential on both transports, so the check-then-record has no race for one journey.
 */
export class IdempotentConsumer {
  constructor(private readonly processed: ProcessedEventIds) {}

  /** Applies the event unless its id was seen; answers whether it applied it. */
  async handle(eventId: string, apply: () => Promise<void>): Promise<boolean> {
    if (await this.processed.has(eventId)) return false;
    await apply();
    await this.processed.add(eventId);
    return true;
  }
}

/** Remembers ids in memory: for tests, and consumers whose state is itself rebuilt at start. */
export class InMemoryProcessedEventIds implements ProcessedEventIds {
  private readonly ids = new Set<string>();

  async has(eventId: string): Promise<boolean> {
    return this.ids.has(eventId);
  }

  async add(eventId: string): Promise<void> {
    this.ids.add(eventId);
  }
}
