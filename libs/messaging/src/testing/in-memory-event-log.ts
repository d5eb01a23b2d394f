import { LogPosition, NewEvent, StoredEvent } from '@oriental/contracts';
import type {
  AppendResult,
  CheckpointStore,
  ComponentHealth,
  EventStore,
  ExpectedRevision,
  LogHead,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  SubscribeToAllOptions,
  Subscription,
} from '@oriental/event-store';

/**
 * A tiny stand-in for the event store in messaging's unit specs: an array as the global log,
 * a map as the checkpoint table, and subscriptions that catch up and then wait for appends. It
 * checks no revisions; the real adapters and their contract suite live in `libs/event-store`.
 */
export class InMemoryEventLog implements EventStore, CheckpointStore {
  readonly kind = 'in-memory-log';
  readonly events: StoredEvent[] = [];
  readonly checkpoints = new Map<string, LogPosition>();
  private readonly waiting = new Set<() => void>();

  async appendToStream(stream: string, events: readonly NewEvent[], _options?: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    let revision = this.events.filter((event) => event.stream === stream).length - 1;
    for (const event of events) {
      revision += 1;
      this.events.push({ ...event, stream, revision, position: String(this.events.length + 1) });
    }
    this.waiting.forEach((wake) => wake());
    return { nextExpectedRevision: revision, position: String(this.events.length) };
  }

  async readStream(stream: string, { fromRevision = 0, maxCount }: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const events = this.events.filter((event) => event.stream === stream && event.revision >= fromRevision);
    return maxCount === undefined ? events : events.slice(0, maxCount);
  }

  async readJourney(beneficiaryId: string): Promise<StoredEvent[]> {
    return this.events.filter((event) => event.metadata.beneficiaryId === beneficiaryId);
  }

  /** Reads to the end of the log, or until the page is full: the checkpoint is how far it looked. */
  async readAll({ after, maxCount, streamPrefixes = [] }: ReadAllOptions): Promise<ReadAllPage> {
    const events: StoredEvent[] = [];
    let looked = after === undefined ? 0 : Number(after);
    while (looked < this.events.length && events.length < maxCount) {
      const event = this.events[looked++];
      if (streamPrefixes.length === 0 || streamPrefixes.some((prefix) => event.stream.startsWith(prefix))) events.push(event);
    }
    const endOfLog = looked === this.events.length && events.length < maxCount;
    return { events, ...(looked > 0 ? { checkpoint: String(looked) } : {}), endOfLog };
  }

  async logHead(): Promise<LogHead | undefined> {
    const last = this.events[this.events.length - 1];
    return last ? { position: last.position, recordedAt: last.metadata.occurredAt } : undefined;
  }

  subscribeToAll({ after, streamPrefixes, maxBatchSize = 100, onEvents, onCheckpoint, onError }: SubscribeToAllOptions): Subscription {
    let stopped = false;
    let wake = () => undefined as void;
    const run = async () => {
      let position = after;
      await Promise.resolve();
      while (!stopped) {
        try {
          const length = this.events.length;
          const page = await this.readAll({ after: position, maxCount: maxBatchSize, ...(streamPrefixes ? { streamPrefixes } : {}) });
          if (page.events.length > 0) {
            await onEvents(page.events);
            position = page.events[page.events.length - 1].position;
          }
          if (page.checkpoint !== undefined && page.checkpoint !== position && !stopped) {
            await onCheckpoint?.(page.checkpoint);
            position = page.checkpoint;
          } else if (page.events.length === 0 && !stopped && this.events.length === length) {
            // Waits only when nothing was appended since the read: an append between the two
            // (while awaiting the page) would otherwise find no one to wake.
            await new Promise<void>((resolve) => {
              wake = () => {
                this.waiting.delete(wake);
                resolve();
              };
              this.waiting.add(wake);
            });
          }
        } catch (error) {
          stopped = true;
          onError?.(error);
        }
      }
    };
    const done = run();
    return {
      stop: async () => {
        stopped = true;
        wake();
        await done;
      },
    };
  }

  async load(name: string): Promise<LogPosition | undefined> {
    return this.checkpoints.get(name);
  }

  async save(name: string, position: LogPosition): Promise<void> {
    this.checkpoints.set(name, position);
  }

  async health(): Promise<ComponentHealth> {
    return { status: 'up', kind: this.kind };
  }

  async close(): Promise<void> {
    this.waiting.forEach((wake) => wake());
  }
}
