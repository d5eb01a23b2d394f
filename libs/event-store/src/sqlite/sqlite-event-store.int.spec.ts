import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoredEvent } from '@oriental/contracts';
import { eventually } from '@oriental/testing';
import { createEventStore } from '..';
import { anEvent, eventStoreContract } from '../testing';
import { SCAN_WINDOW, SqliteEventStore } from './sqlite-event-store';

const temporaryFile = () => {
  const directory = mkdtempSync(join(tmpdir(), 'oriental-event-store-'));
  return { file: join(directory, 'events.sqlite'), remove: () => rmSync(directory, { recursive: true, force: true }) };
};

eventStoreContract(
  'SqliteEventStore',
  async () => {
    const { file, remove } = temporaryFile();
    const store = new SqliteEventStore(file);
    return {
      store,
      cleanup: async () => {
        await store.close();
        remove();
      },
    };
  },
  // A read looks at one scan window at a time: the contract appends more than that between events.
  { readWindow: SCAN_WINDOW },
);

describe('SqliteEventStore shared by two processes (two instances on one file)', () => {
  let file: string;
  let remove: () => void;
  let reporting: SqliteEventStore;
  let intake: SqliteEventStore;

  beforeEach(() => {
    ({ file, remove } = temporaryFile());
    reporting = new SqliteEventStore(file, { pollIntervalMs: 50 });
    intake = new SqliteEventStore(file, { pollIntervalMs: 50 });
  });

  afterEach(async () => {
    await Promise.all([reporting.close(), intake.close()]);
    remove();
  });

  it('given a live subscription on one instance, when the other appends, then polling delivers the event', async () => {
    const received: StoredEvent[] = [];
    const subscription = reporting.subscribeToAll({ onEvents: async (batch) => void received.push(...batch) });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const event = anEvent();
    await intake.appendToStream('beneficiary-1', [event], { expectedRevision: 'no_stream' });

    await eventually(() => expect(received.map((stored) => stored.id)).toEqual([event.id]), { timeoutMs: 2_000 });
    await subscription.stop();
  });

  it('given both instances append to one stream at the same revision, then the second conflicts', async () => {
    await intake.appendToStream('beneficiary-2', [anEvent()], { expectedRevision: 'no_stream' });

    await reporting.appendToStream('beneficiary-2', [anEvent()], { expectedRevision: 0 });

    await expect(intake.appendToStream('beneficiary-2', [anEvent()], { expectedRevision: 0 })).rejects.toMatchObject({
      code: 'STREAM_REVISION_CONFLICT',
      actual: 1,
    });
  });

  describe('query plans', () => {
    const planOf = (sql: string, ...parameters: unknown[]) =>
      reporting['db']
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...parameters)
        .map((row) => row.detail);

    it('reads a journey through the beneficiary index, in position order, without scanning the log', () => {
      expect(planOf(reporting['statements'].readJourney.source, randomUUID())).toEqual([
        expect.stringMatching(/^SEARCH events USING INDEX events_by_beneficiary \(beneficiary_id=\?\)$/),
      ]);
    });

    it.each([1, 2])('pages the log with %i stream prefixes as a bounded primary-key range, with no sort', (prefixes) => {
      const parameters = [0, 16_384, ...Array.from({ length: prefixes }, () => ['beneficiary-', 'beneficiary-']).flat(), 256];

      expect(planOf(reporting['readAllStatement'](prefixes).source, ...parameters)).toEqual([
        expect.stringMatching(/^SEARCH events USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)$/),
      ]);
    });
  });

  it('given a long poll interval, when this instance appends, then its own subscriptions wake at once', async () => {
    const store = new SqliteEventStore(file, { pollIntervalMs: 60_000 });
    const received: StoredEvent[] = [];
    const subscription = store.subscribeToAll({ onEvents: async (batch) => void received.push(...batch) });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const event = anEvent();
    await store.appendToStream('beneficiary-4', [event], { expectedRevision: 'no_stream' });

    await eventually(() => expect(received.map((stored) => stored.id)).toEqual([event.id]), { timeoutMs: 1_000 });
    await subscription.stop();
    await store.close();
  });

  it('reports its file and last position', async () => {
    await intake.appendToStream('beneficiary-3', [anEvent(), anEvent()], { expectedRevision: 'no_stream' });

    expect(await reporting.health()).toEqual({ status: 'up', kind: 'sqlite', details: { file, lastPosition: '2' } });
  });
});

describe('SqliteEventStore beyond the contract', () => {
  let file: string;
  let remove: () => void;
  let store: SqliteEventStore;

  beforeEach(() => {
    ({ file, remove } = temporaryFile());
    store = new SqliteEventStore(file);
  });

  afterEach(async () => {
    await store.close();
    remove();
  });

  it('given stored events, when they are appended again at any expectation, then it is a no-op (ids are unique in the file)', async () => {
    const events = [anEvent(), anEvent()];
    const first = await store.appendToStream('beneficiary-5', events, { expectedRevision: 'no_stream' });

    expect(await store.appendToStream('beneficiary-5', events, { expectedRevision: 1 })).toEqual(first);
    expect(await store.appendToStream('beneficiary-5', events, { expectedRevision: 'stream_exists' })).toEqual(first);
    expect(await store.readStream('beneficiary-5')).toHaveLength(2);
  });

  it('given an event stored in one stream, when its id is appended to another, then it fails and nothing is written', async () => {
    const event = anEvent();
    await store.appendToStream('beneficiary-6', [event], { expectedRevision: 'no_stream' });

    await expect(store.appendToStream('referral-6', [anEvent(), event], { expectedRevision: 'any' })).rejects.toThrow(
      /already stored in stream beneficiary-6/,
    );
    expect(await store.readStream('referral-6')).toEqual([]);
  });

  it('refuses an empty append and a position it did not write', async () => {
    await expect(store.appendToStream('beneficiary-7', [], { expectedRevision: 'any' })).rejects.toThrow(/at least one event/);
    await expect(store.readAll({ after: '12/12', maxCount: 1 })).rejects.toThrow(/not a SQLite event store position/);
  });

  it('is what createEventStore opens for kind sqlite, creating the folder', async () => {
    const nested = join(file, '..', 'data', 'nested', 'events.sqlite');
    const created = await createEventStore({ kind: 'sqlite', file: nested });

    await created.appendToStream('beneficiary-8', [anEvent()], { expectedRevision: 'no_stream' });

    expect(await created.health()).toMatchObject({ status: 'up', kind: 'sqlite', details: { file: nested, lastPosition: '1' } });
    await created.close();
  });
});

describe('SqliteEventStore followers cost what they deliver', () => {
  const HISTORY = 50_000;
  let file: string;
  let remove: () => void;
  let store: SqliteEventStore;

  beforeAll(async () => {
    ({ file, remove } = temporaryFile());
    store = new SqliteEventStore(file, { pollIntervalMs: 10 });
    // A history the follower has no interest in, appended 1,000 events at a time.
    for (let stream = 0; stream < HISTORY / 1_000; stream++) {
      await store.appendToStream(`beneficiary-${randomUUID()}`, Array.from({ length: 1_000 }, () => anEvent()), { expectedRevision: 'no_stream' });
    }
    // 50 appends of 1,000 events: seconds on a busy machine, beyond jest's 5 s default.
  }, 60_000);

  afterAll(async () => {
    await store.close();
    remove();
  });

  const head = async () => (await store.health()).details!.lastPosition as string;

  it('given 50k events outside its categories, once caught up, then polls and appends read no event it already passed', async () => {
    const delivered: StoredEvent[] = [];
    const checkpoints: string[] = [];
    const subscription = store.subscribeToAll({
      streamPrefixes: ['referral-'],
      onEvents: async (batch) => void delivered.push(...batch),
      onCheckpoint: (position) => void checkpoints.push(position),
    });
    const caughtUpAt = await head();
    await eventually(() => expect(checkpoints[checkpoints.length - 1]).toBe(caughtUpAt), { timeoutMs: 20_000 });
    // The first catch-up went through the history in bounded windows, each reported on.
    expect(checkpoints.length).toBeGreaterThan(1);
    expect(delivered).toEqual([]);
    store.stats.rowsVisited = 0;

    const quiet = Array.from({ length: 5 }, () => anEvent());
    const followed = anEvent();
    await store.appendToStream(`beneficiary-${randomUUID()}`, quiet.slice(0, 3), { expectedRevision: 'no_stream' });
    await store.appendToStream(`referral-${randomUUID()}`, [followed], { expectedRevision: 'no_stream' });
    await store.appendToStream(`beneficiary-${randomUUID()}`, quiet.slice(3), { expectedRevision: 'no_stream' });
    const newHead = await head();
    await eventually(() => expect(checkpoints[checkpoints.length - 1]).toBe(newHead));
    // Several polls (every 10 ms) with nothing new.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await subscription.stop();

    expect(delivered.map((event) => event.id)).toEqual([followed.id]);
    const appended = quiet.length + 1;
    expect(store.stats.rowsVisited).toBeLessThanOrEqual(appended);
  });

  it('given a checkpoint at the head, when more events come, then a read from it visits only the new rows', async () => {
    const page = await store.readAll({ after: String(HISTORY), maxCount: 100, streamPrefixes: ['training-'] });
    expect(page).toMatchObject({ events: [], endOfLog: true });
    const checkpoint = page.checkpoint!;
    expect(checkpoint).toBe(await head());

    const followed = anEvent();
    await store.appendToStream(`beneficiary-${randomUUID()}`, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });
    await store.appendToStream(`training-${randomUUID()}`, [followed], { expectedRevision: 'no_stream' });
    store.stats.rowsVisited = 0;

    const next = await store.readAll({ after: checkpoint, maxCount: 100, streamPrefixes: ['training-'] });

    expect(next.events.map((event) => event.id)).toEqual([followed.id]);
    expect(next).toMatchObject({ checkpoint: await head(), endOfLog: true });
    expect(store.stats.rowsVisited).toBe(3);
  });

  it('given a read from the start, then each window looks at a bounded number of rows, and the windows of one read cover the log once', async () => {
    // A window is one synchronous query: bounded, so that it holds the event loop briefly.
    store.stats.rowsVisited = 0;
    const window = store.readAllNow({ maxCount: 100, streamPrefixes: ['nobody-'] });
    expect(window).toMatchObject({ events: [], endOfLog: false });
    expect(store.stats.rowsVisited).toBeLessThanOrEqual(SCAN_WINDOW);

    // readAll goes on from window to window (yielding between them) until it finds an event or
    // the log ends: the port's page is empty only at the end of the log.
    store.stats.rowsVisited = 0;
    const page = await store.readAll({ maxCount: 100, streamPrefixes: ['nobody-'] });

    expect(page).toEqual({ events: [], checkpoint: await head(), endOfLog: true });
    expect(store.stats.rowsVisited).toBe(Number(await head()));
    expect(Number(await head())).toBeGreaterThan(2 * SCAN_WINDOW);
  });
});

describe('SqliteEventStore group commit', () => {
  let file: string;
  let remove: () => void;
  let store: SqliteEventStore;

  beforeEach(() => {
    ({ file, remove } = temporaryFile());
    store = new SqliteEventStore(file);
  });

  afterEach(async () => {
    await store.close();
    remove();
  });

  it('given concurrent appends, one of them conflicting, then each gets its own answer and only the conflict is rolled back', async () => {
    const [a, b] = [`beneficiary-${randomUUID()}`, `beneficiary-${randomUUID()}`];
    await store.appendToStream(a, [anEvent()], { expectedRevision: 'no_stream' });
    const [first, conflicting, other] = [anEvent(), anEvent(), anEvent()];

    const outcomes = await Promise.allSettled([
      store.appendToStream(a, [first], { expectedRevision: 0 }),
      store.appendToStream(a, [conflicting], { expectedRevision: 0 }),
      store.appendToStream(b, [other, anEvent()], { expectedRevision: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[0]).toMatchObject({ value: { nextExpectedRevision: 1 } });
    expect(outcomes[1]).toMatchObject({ reason: { code: 'STREAM_REVISION_CONFLICT', expected: 0, actual: 1 } });
    expect(outcomes[2]).toMatchObject({ value: { nextExpectedRevision: 1 } });
    expect((await store.readStream(a)).map((event) => event.id)).toEqual([expect.any(String), first.id]);
    expect((await store.readStream(b))[0].id).toBe(other.id);
  });

  it('given concurrent appends of the same new events, then the retry answers what the first append answered', async () => {
    const stream = `beneficiary-${randomUUID()}`;
    const events = [anEvent(), anEvent()];

    const [first, retry] = await Promise.all([
      store.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
      store.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
    ]);

    expect(retry).toEqual(first);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('given appends still queued, when the store closes, then they are committed first', async () => {
    const stream = `beneficiary-${randomUUID()}`;
    const appending = store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
    await store.close();

    await expect(appending).resolves.toMatchObject({ nextExpectedRevision: 0 });
    const reopened = new SqliteEventStore(file);
    expect(await reopened.readStream(stream)).toHaveLength(1);
    await reopened.close();
  });
});
