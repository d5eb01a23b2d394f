import { LogPosition, StoredEvent } from '@oriental/contracts';
import { eventually } from '@oriental/testing';
import { CheckpointStore, EventStore, SubscribeToAllOptions } from './event-store.port';
import { LogFollower, LogFollowerOptions } from './log-follower';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { anEvent, aStream } from './testing';

const NAME = 'test-follower';
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('LogFollower over the SQLite event store', () => {
  let store: SqliteEventStore;
  let followers: LogFollower[];
  /** Every event handled, in the order handled (a batch handled again appears again). */
  let handled: StoredEvent[];
  /** Where each subscription started, and every position it reported passing without followed events. */
  let seen: { startedAfter: (LogPosition | undefined)[]; passed: LogPosition[] };

  /** The store, seen through a window (`seen`). */
  const watchedStore = (): EventStore =>
    Object.create(store, {
      subscribeToAll: {
        value: (options: SubscribeToAllOptions) => {
          seen.startedAfter.push(options.after);
          return store.subscribeToAll({
            ...options,
            onCheckpoint: async (position) => {
              seen.passed.push(position);
              await options.onCheckpoint?.(position);
            },
          });
        },
      },
    });

  const follower = (overrides: Partial<LogFollowerOptions> = {}) => {
    const created = new LogFollower({
      name: NAME,
      store: watchedStore(),
      checkpoints: store,
      streamPrefixes: ['followed-'],
      handle: async (events) => {
        handled.push(...events);
      },
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
      logger: quietLogger,
      ...overrides,
    });
    followers.push(created);
    return created;
  };

  /** Appends `count` events to a new stream of `category`; answers their ids. */
  const append = async (count: number, category = 'followed') => {
    const events = Array.from({ length: count }, () => anEvent());
    await store.appendToStream(aStream(category), events, { expectedRevision: 'no_stream' });
    return events.map((event) => event.id);
  };
  const appendElsewhere = (count: number) => append(count, 'other');
  const ids = (events: StoredEvent[]) => events.map((event) => event.id);
  const checkpoint = () => store.load(NAME);
  const lastPosition = async (): Promise<LogPosition> => (await store.readAll({ maxCount: 10_000 })).checkpoint!;

  beforeEach(() => {
    store = new SqliteEventStore(':memory:', { pollIntervalMs: 20 });
    followers = [];
    handled = [];
    seen = { startedAfter: [], passed: [] };
  });

  afterEach(async () => {
    await Promise.all(followers.map((started) => started.stop()));
    await store.close();
  });

  describe('when the log holds events of its categories and others', () => {
    it('handles its own, in log order, in batches of at most maxBatchSize, each stored as checkpoint once handled', async () => {
      const first = await append(3);
      await appendElsewhere(2);
      const second = await append(2);
      const batches: { ids: string[]; checkpointWhenHandled?: LogPosition }[] = [];
      const started = follower({
        maxBatchSize: 2,
        handle: async (events) => {
          batches.push({ ids: ids(events), checkpointWhenHandled: await checkpoint() });
          handled.push(...events);
        },
      });

      await started.start();

      await eventually(() => expect(ids(handled)).toEqual([...first, ...second]));
      expect(batches.every((batch) => batch.ids.length <= 2)).toBe(true);
      // Each batch finds the previous one's last position stored.
      const lastOfEach = batches.map((batch) => handled.find((event) => event.id === batch.ids[batch.ids.length - 1])!.position);
      expect(batches.map((batch) => batch.checkpointWhenHandled)).toEqual([undefined, ...lastOfEach.slice(0, -1)]);
      await eventually(async () => expect(await checkpoint()).toBe(handled[handled.length - 1].position));
      expect(started.status()).toEqual({ name: NAME, running: true, lastPosition: await checkpoint(), handled: 5, consecutiveFailures: 0 });
    });
  });

  describe('when it stops and starts again', () => {
    it('goes on from its checkpoint, handling only what came after', async () => {
      const before = await append(3);
      const first = follower();
      await first.start();
      await eventually(() => expect(ids(handled)).toEqual(before));
      await first.stop();
      expect(first.status()).toMatchObject({ running: false, handled: 3 });

      const whileStopped = await append(2);
      const second = follower();
      await second.start();

      await eventually(() => expect(ids(handled)).toEqual([...before, ...whileStopped]));
      expect(second.status().handled).toBe(2);
    });

    it('on stop, waits for the batch in flight and stores its position', async () => {
      await append(2);
      let release: (() => void) | undefined;
      const started = follower({
        handle: async (events) => {
          await new Promise<void>((resolve) => (release = resolve));
          handled.push(...events);
        },
      });
      await started.start();
      await eventually(() => expect(release).toBeDefined());

      let stopped = false;
      const stopping = started.stop().then(() => (stopped = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stopped).toBe(false);

      release!();
      await stopping;
      expect(handled).toHaveLength(2);
      expect(await checkpoint()).toBe(await lastPosition());
    });
  });

  describe('when the log moves on through other categories only', () => {
    it('stores the position it passed at most every checkpointIntervalMs, and the last one on stop', async () => {
      await append(1);
      const started = follower({ checkpointIntervalMs: 60_000 });
      await started.start();
      const handledAt = await lastPosition();
      await eventually(async () => expect(await checkpoint()).toBe(handledAt));

      await appendElsewhere(10);
      const quietEnd = await lastPosition();
      await eventually(() => expect(seen.passed[seen.passed.length - 1]).toBe(quietEnd));
      expect(await checkpoint()).toBe(handledAt);

      await started.stop();
      expect(await checkpoint()).toBe(quietEnd);
      expect(started.status().lastPosition).toBe(quietEnd);
    });

    it('on a log holding none of its categories, stores and reports the head it caught up to once the interval is up, though the log stays quiet', async () => {
      await appendElsewhere(10);
      const head = await lastPosition();
      const started = follower({ checkpointIntervalMs: 200 });
      await started.start();
      // The catch-up passes the head at once, well within the interval; nothing is appended after it.
      await eventually(() => expect(seen.passed[seen.passed.length - 1]).toBe(head));

      await eventually(() => expect(started.status().lastPosition).toBe(head));
      expect(await checkpoint()).toBe(head);
      expect(started.status()).toMatchObject({ running: true, handled: 0, consecutiveFailures: 0 });
    });

    it('after catching up quietly from an old checkpoint, stores the head it reached though the log stays quiet', async () => {
      await append(1);
      const first = follower();
      await first.start();
      const handledAt = await lastPosition();
      await eventually(async () => expect(await checkpoint()).toBe(handledAt));
      await first.stop();

      await appendElsewhere(5);
      const head = await lastPosition();
      const second = follower({ checkpointIntervalMs: 200 });
      await second.start();
      expect(second.status().lastPosition).toBe(handledAt);

      await eventually(() => expect(second.status().lastPosition).toBe(head));
      expect(await checkpoint()).toBe(head);
    });

    it('stores it while running once the interval has passed, and a restart reads on from there', async () => {
      await append(1);
      const first = follower({ checkpointIntervalMs: 0 });
      await first.start();
      await appendElsewhere(5);
      const quietEnd = await lastPosition();
      await eventually(async () => expect(await checkpoint()).toBe(quietEnd));
      await first.stop();

      const later = await append(1);
      seen.startedAfter = [];
      await follower().start();

      await eventually(() => expect(ids(handled).slice(-1)).toEqual(later));
      expect(seen.startedAfter).toEqual([quietEnd]);
    });
  });

  describe('when handling fails', () => {
    it('retries the batch from the checkpoint after a backoff that doubles up to its longest, and skips nothing', async () => {
      let failures = 4;
      const errors: string[] = [];
      const started = follower({
        handle: async (events) => {
          if (failures-- > 0) throw new Error('read store unavailable');
          handled.push(...events);
        },
        logger: { ...quietLogger, error: (message) => errors.push(message) },
      });
      const events = await append(3);

      await started.start();
      await eventually(() => expect(started.status()).toMatchObject({ running: true, consecutiveFailures: expect.any(Number), lastError: 'read store unavailable' }));

      await eventually(() => expect(ids(handled)).toEqual(events));
      expect(errors.map((message) => Number(/in (\d+) ms/.exec(message)?.[1]))).toEqual([5, 10, 20, 20]);
      expect(started.status()).toEqual({ name: NAME, running: true, lastPosition: await lastPosition(), handled: 3, consecutiveFailures: 0 });
    });

    it('handles a batch again when its checkpoint could not be stored (at-least-once)', async () => {
      let saveFailures = 1;
      const checkpoints: CheckpointStore = {
        load: (name) => store.load(name),
        save: async (name, position) => {
          if (saveFailures-- > 0) throw new Error('disk full');
          await store.save(name, position);
        },
      };
      const events = await append(2);

      const started = follower({ checkpoints });
      await started.start();

      await eventually(() => expect(ids(handled)).toEqual([...events, ...events]));
      await eventually(async () => expect(await checkpoint()).toBe(await lastPosition()));
      expect(started.status()).toMatchObject({ handled: 4, consecutiveFailures: 0 });
    });
  });

  describe('when the checkpoint cannot be loaded', () => {
    it('refuses to start, and says why', async () => {
      const started = follower({ checkpoints: { load: async () => Promise.reject(new Error('no such table')), save: async () => undefined } });

      await expect(started.start()).rejects.toThrow('no such table');
      expect(started.status()).toEqual({ name: NAME, running: false, handled: 0, consecutiveFailures: 0, lastError: 'no such table' });
    });
  });
});
