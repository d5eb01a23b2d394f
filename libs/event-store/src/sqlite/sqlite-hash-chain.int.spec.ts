import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eventHash, verifyJourney, verifyLog, verifyStream } from '../hash-chain';
import { anEvent, aStream } from '../testing';
import { SqliteEventStore } from './sqlite-event-store';

/** Tamper evidence in the SQLite file itself: what an attacker with write access to it can and cannot hide. */
describe('SqliteEventStore hash chains, against edits of the file', () => {
  let directory: string;
  let file: string;
  let store: SqliteEventStore;
  const logged: string[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'oriental-hash-chain-'));
    file = join(directory, 'events.sqlite');
    logged.length = 0;
    store = new SqliteEventStore(file, { log: (message) => void logged.push(message) });
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Another connection to the file, as an attacker (or a careless operator) would open it. */
  const editFile = (sql: string, ...parameters: unknown[]): void => {
    const raw = new Database(file);
    try {
      expect(raw.prepare(sql).run(...parameters).changes).toBe(1);
    } finally {
      raw.close();
    }
  };

  /** Three streams of three events each, appended in turns so that their events interleave in the log. */
  const threeStreams = async (beneficiaryId = randomUUID()) => {
    const streams = [`beneficiary-${beneficiaryId}`, aStream('referral'), aStream('training')];
    for (let round = 0; round < 3; round++) {
      for (const stream of streams) {
        await store.appendToStream(stream, [anEvent({ metadata: { beneficiaryId } })], { expectedRevision: round === 0 ? 'no_stream' : round - 1 });
      }
    }
    return streams;
  };

  it('given one byte of an event changed in the file, then verification names its stream and revision', async () => {
    const beneficiaryId = randomUUID();
    const [, referral] = await threeStreams(beneficiaryId);

    editFile(`UPDATE events SET data = replace(data, 'a fact', 'a fict') WHERE stream = ? AND revision = 1`, referral);

    const broken = { stream: referral, revision: 1, reason: 'hash-mismatch' };
    expect(await verifyLog(store)).toMatchObject({ intact: false, events: 4, firstBrokenLink: broken });
    expect(verifyStream(referral!, await store.readStreamRecords(referral!))).toStrictEqual({ stream: referral, events: 3, intact: false, firstBrokenLink: broken });
    expect(await verifyJourney(store, beneficiaryId)).toMatchObject({
      intact: false,
      streams: [expect.objectContaining({ intact: true }), { stream: referral, events: 3, intact: false }, expect.objectContaining({ intact: true })],
      firstBrokenLink: broken,
    });
  });

  it('given a byte changed so that the data is no longer JSON, then verification still names it (it reads the bytes, never parses them)', async () => {
    const [first] = await threeStreams();

    editFile(`UPDATE events SET data = replace(data, '{"', '["') WHERE stream = ? AND revision = 2`, first);

    expect((await verifyLog(store)).firstBrokenLink).toStrictEqual({ stream: first, revision: 2, reason: 'hash-mismatch' });
  });

  it("given the last event of a stream changed, then its own stored hash gives it away", async () => {
    const [, , last] = await threeStreams();

    editFile(`UPDATE events SET metadata = replace(metadata, 'user:test-agent', 'user:test-agenT') WHERE stream = ? AND revision = 2`, last);

    expect((await verifyLog(store)).firstBrokenLink).toStrictEqual({ stream: last, revision: 2, reason: 'hash-mismatch' });
  });

  it('given an event and its hash rewritten, then the next event no longer links to it', async () => {
    const [first] = await threeStreams();
    const [, second] = await store.readStreamRecords(first!);
    const data = second!.data.replace('a fact', 'a fict');

    editFile('UPDATE events SET data = ?, hash = ? WHERE stream = ? AND revision = 1', data, eventHash({ ...second!, data }, second!.previousHash!), first);

    expect((await verifyLog(store)).firstBrokenLink).toStrictEqual({ stream: first, revision: 2, reason: 'previous-hash-mismatch' });
  });

  it('given a middle event deleted, then the event after it is named', async () => {
    const [, referral] = await threeStreams();

    editFile('DELETE FROM events WHERE stream = ? AND revision = 1', referral);

    expect((await verifyLog(store)).firstBrokenLink).toStrictEqual({ stream: referral, revision: 2, reason: 'previous-hash-mismatch' });
  });

  it('given a last event rewritten with its hash, then only an anchor kept outside the file sees it', async () => {
    const streams = await threeStreams();
    const { anchor } = await verifyLog(store);
    const last = (await store.readStreamRecords(streams[2]!))[2]!;
    const data = last.data.replace('a fact', 'a fict');

    editFile('UPDATE events SET data = ?, hash = ? WHERE position = ?', data, eventHash({ ...last, data }, last.previousHash!), Number(last.position));

    // The chains alone hold: nothing links to a stream's last event.
    expect(await verifyLog(store)).toMatchObject({ intact: true, events: 9 });
    expect(await verifyLog(store, { anchor })).toMatchObject({ intact: false, anchorMatched: false });
  });

  it('given a long log, then it verifies page by page, reporting progress, and an anchor taken earlier still holds as the log grows', async () => {
    const streams = Array.from({ length: 30 }, () => aStream('beneficiary'));
    for (const [index, stream] of streams.entries()) await store.appendToStream(stream, Array.from({ length: 1 + (index % 4) }, () => anEvent()), { expectedRevision: 'no_stream' });
    const progress: number[] = [];

    const verdict = await verifyLog(store, { pageSize: 7, onProgress: (events) => void progress.push(events) });

    expect(verdict).toMatchObject({ intact: true, events: 73, streams: 30 });
    expect(progress).toEqual([7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 73]);
    await store.appendToStream(streams[0]!, [anEvent()], { expectedRevision: 0 });
    expect(await verifyLog(store, { anchor: verdict.anchor, pageSize: 7 })).toMatchObject({ intact: true, events: 74, anchorMatched: true });
  });

  it("finds a stream's head through the (stream, revision) index, whatever the stream's length", () => {
    const plan = store['db']
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${store['statements'].streamHead.source}`)
      .all('beneficiary-1')
      .map((row) => row.detail);

    expect(plan).toEqual([expect.stringMatching(/^SEARCH events USING INDEX sqlite_autoindex_events_\d \(stream=\?\)$/)]);
  });
});

describe('SqliteEventStore opening a file of an earlier version, without hash chains', () => {
  /** The events table as it was before tamper evidence. */
  const EARLIER_SCHEMA = `
    CREATE TABLE events (
      position INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, beneficiary_id TEXT,
      occurred_at TEXT NOT NULL, UNIQUE (stream, revision));
    CREATE INDEX events_by_beneficiary ON events (beneficiary_id) WHERE beneficiary_id IS NOT NULL;
    CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position TEXT NOT NULL);`;

  let directory: string;
  let file: string;
  const streams = [aStream('beneficiary'), aStream('referral')];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'oriental-hash-chain-upgrade-'));
    file = join(directory, 'events.sqlite');
    const earlier = new Database(file);
    earlier.exec(EARLIER_SCHEMA);
    const insert = earlier.prepare(
      'INSERT INTO events (stream, revision, id, type, schema_version, data, metadata, beneficiary_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // Interleaved in the log, as a live network writes them: 3 events of one stream, 2 of the other.
    for (const [stream, revision] of [[0, 0], [1, 0], [0, 1], [1, 1], [0, 2]] as const) {
      const event = anEvent();
      insert.run(streams[stream], revision, event.id, event.type, 1, JSON.stringify(event.data), JSON.stringify(event.metadata), null, event.metadata.occurredAt);
    }
    earlier.close();
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('chains the stored events once, says how many, and links new appends to them', async () => {
    const logged: string[] = [];
    const store = new SqliteEventStore(file, { log: (message) => void logged.push(message) });
    const before = await store.readStreamRecords(streams[0]!);

    expect(logged).toEqual([`event store ${file}: chained 5 events of 2 streams stored before tamper evidence`]);
    expect(await verifyLog(store)).toMatchObject({ intact: true, events: 5, streams: 2 });
    await store.appendToStream(streams[0]!, [anEvent()], { expectedRevision: 2 });
    await store.close();

    const reopened = new SqliteEventStore(file, { log: (message) => void logged.push(message) });
    expect(logged).toHaveLength(1);
    expect((await reopened.readStreamRecords(streams[0]!)).slice(0, 3)).toEqual(before);
    expect(await verifyLog(reopened)).toMatchObject({ intact: true, events: 6, streams: 2 });
    await reopened.close();
  });
});
