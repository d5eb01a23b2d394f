import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoredEvent } from '@oriental/contracts';
import { eventually } from '@oriental/testing';
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

  it('reads a journey through the beneficiary index, not by scanning the log', () => {
    const plan = (reporting as unknown as { db: { prepare(sql: string): { all(...args: unknown[]): { detail: string }[] } } }).db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM events WHERE beneficiary_id = ? ORDER BY position')
      .all('x')
      .map((row) => row.detail);

    expect(plan).toEqual([expect.stringContaining('USING INDEX events_by_beneficiary')]);
  });

  it('reports its file and last position', async () => {
    await intake.appendToStream('beneficiary-3', [anEvent(), anEvent()], { expectedRevision: 'no_stream' });

    expect(await reporting.health()).toEqual({ status: 'up', kind: 'sqlite', details: { file, lastPosition: '2' } });
  });
});
