import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoredEvent } from '@oriental/contracts';
import { eventually } from '@oriental/testing';
import { createEventStore } from '..';
import { anEvent, eventStoreContract } from '../testing';
import { SqliteEventStore } from './sqlite-event-store';

const temporaryFile = () => {
  const directory = mkdtempSync(join(tmpdir(), 'oriental-event-store-'));
  return { file: join(directory, 'events.sqlite'), remove: () => rmSync(directory, { recursive: true, force: true }) };
};

eventStoreContract('SqliteEventStore', async () => {
  const { file, remove } = temporaryFile();
  const store = new SqliteEventStore(file);
  return {
    store,
    cleanup: async () => {
      await store.close();
      remove();
    },
  };
});

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

    it.each([1, 2])('pages the log with %i stream prefixes as a primary-key range, with no sort', (prefixes) => {
      const parameters = [0, ...Array.from({ length: prefixes }, () => ['beneficiary-', 'beneficiary-']).flat(), 256];

      expect(planOf(reporting['readAllStatement'](prefixes).source, ...parameters)).toEqual([
        expect.stringMatching(/^SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)$/),
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
