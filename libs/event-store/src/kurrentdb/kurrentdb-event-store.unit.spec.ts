import { randomUUID } from 'node:crypto';
import { KurrentDBClient, NO_STREAM, StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { InvalidExpectedRevisionError } from '../event-store.port';
import { anEvent } from '../testing';
import { JOURNEY_PROJECTION, KurrentDbEventStore } from './kurrentdb-event-store';
import { encodeKurrentPosition } from './log-position';

/**
 * The adapter's own logic against a stand-in for `KurrentDBClient`: an in-memory log that
 * answers the calls the adapter makes as the server does (positions commit = prepare, as $all
 * gives an implicitly committed event; a retry at an exact revision checks the events at that
 * revision; filtered $all reads; stream metadata). It records every call, so a spec can say what
 * the adapter did not do (read after writing, write before validating). What only the real server
 * can show (projection status, cache-independent idempotence) is in the .int.spec and the contract.
 */
interface FakeRecord {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  isJson: boolean;
  created: Date;
  position: { commit: bigint; prepare: bigint };
}

type Filter = { regex?: string; prefixes?: string[] } | undefined;

/** What `jsonEvent` builds: the id is the client's to choose when absent. */
interface FakeEvent {
  id?: string;
  type: string;
  data: unknown;
  metadata?: unknown;
}

class FakeKurrentDb {
  readonly log: FakeRecord[] = [];
  readonly metadata = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  /** Idempotent replies without a position (as a server that cannot read the event back). */
  positionlessRetries = false;
  createProjection = jest.fn(async (_name: string, _query: string, _options?: unknown): Promise<void> => undefined);
  getProjectionStatus = jest.fn(async (_name: string, _options?: unknown): Promise<unknown> => ({ status: 'Running', stateReason: '' }));
  private next = 100n;

  async appendToStream(stream: string, events: FakeEvent[] | FakeEvent, options: { streamState?: unknown } = {}) {
    this.calls.push(`append ${stream}`);
    const batch = (Array.isArray(events) ? events : [events]).map((event) => ({ ...event, id: event.id ?? randomUUID() }));
    const current = this.stream(stream);
    const head = current.length - 1;
    const state = options.streamState ?? 'any';
    const expected = state === NO_STREAM ? -1 : typeof state === 'bigint' ? Number(state) : undefined;
    if (expected !== undefined && expected < head) {
      // The server's idempotence at an exact revision: the events after it must be this batch.
      const stored = current.slice(expected + 1, expected + 1 + batch.length);
      if (stored.length === batch.length && stored.every((record, index) => record.id === batch[index]!.id)) {
        const last = stored[stored.length - 1]!;
        return { success: true, nextExpectedRevision: last.revision, position: this.positionlessRetries ? undefined : last.position };
      }
      throw new WrongExpectedVersionError(undefined, { streamName: stream, expected: BigInt(expected), current: BigInt(head) });
    }
    if (expected !== undefined && expected !== head) {
      throw new WrongExpectedVersionError(undefined, { streamName: stream, expected: expected < 0 ? NO_STREAM : BigInt(expected), current: head < 0 ? NO_STREAM : BigInt(head) });
    }
    let last: FakeRecord | undefined;
    for (const [index, event] of batch.entries()) {
      this.next += 10n;
      last = {
        streamId: stream,
        id: event.id,
        revision: BigInt(head + 1 + index),
        type: event.type,
        data: JSON.parse(JSON.stringify(event.data ?? null)),
        metadata: event.metadata === undefined ? undefined : JSON.parse(JSON.stringify(event.metadata)),
        isJson: true,
        created: new Date(),
        position: { commit: this.next, prepare: this.next },
      };
      this.log.push(last);
    }
    return { success: true, nextExpectedRevision: last!.revision, position: last!.position };
  }

  readStream(stream: string, options: { direction?: string; fromRevision?: bigint | string; maxCount?: number | bigint } = {}) {
    this.calls.push(`readStream ${stream}`);
    const records = this.stream(stream);
    const backwards = options.direction === 'backwards';
    const count = options.maxCount === undefined ? Infinity : Number(options.maxCount);
    return (async function* () {
      if (records.length === 0) throw new StreamNotFoundError(undefined, stream);
      const ordered = backwards ? [...records].reverse() : records.filter((record) => record.revision >= BigInt(typeof options.fromRevision === 'bigint' ? options.fromRevision : 0));
      for (const event of ordered.slice(0, count)) yield { event };
    })();
  }

  readAll(options: { fromPosition?: unknown; maxCount?: number | bigint; direction?: string; filter?: Filter } = {}) {
    this.calls.push(`readAll ${options.maxCount}`);
    const count = options.maxCount === undefined ? Infinity : Number(options.maxCount);
    const matches = (record: FakeRecord) => {
      const filter = options.filter;
      if (filter?.prefixes) return filter.prefixes.some((prefix) => record.streamId.startsWith(prefix));
      if (filter?.regex) return new RegExp(filter.regex).test(record.streamId);
      return true;
    };
    const from = options.fromPosition as { commit: bigint } | string | undefined;
    const log = options.direction === 'backwards' ? [...this.log].reverse() : this.log.filter((record) => typeof from !== 'object' || record.position.commit >= from.commit);
    return (async function* () {
      for (const event of log.filter(matches).slice(0, count)) yield { event };
    })();
  }

  async getStreamMetadata(stream: string) {
    this.calls.push(`getStreamMetadata ${stream}`);
    const metadata = this.metadata.get(stream);
    return { streamName: stream, ...(metadata ? { metadata } : {}) };
  }

  async setStreamMetadata(stream: string, metadata: Record<string, unknown>) {
    this.calls.push(`setStreamMetadata ${stream}`);
    this.metadata.set(stream, metadata);
    return { success: true, nextExpectedRevision: 0n };
  }

  async dispose() {}

  stream(stream: string) {
    return this.log.filter((record) => record.streamId === stream);
  }

  /** A record another tool wrote: JSON with metadata, but no envelope. */
  foreign(stream: string, metadata: Record<string, unknown> = {}) {
    return this.appendToStream(stream, [{ type: 'ForeignRecordWritten', data: {}, metadata }]);
  }

}

const storeOn = (fake: FakeKurrentDb, options: ConstructorParameters<typeof KurrentDbEventStore>[1] = {}) =>
  new KurrentDbEventStore(fake as unknown as KurrentDBClient, { projectionBackoffMs: 1, ...options });

describe('KurrentDbEventStore against a stand-in client', () => {
  let fake: FakeKurrentDb;
  beforeEach(() => {
    fake = new FakeKurrentDb();
  });

  describe('an append answers with the position the server gave (defect 7)', () => {
    it('given batches of one and of several events, then no read follows the write, and each answer is the last event position', async () => {
      const store = storeOn(fake);
      const stream = `test-${randomUUID()}`;

      const first = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
      fake.calls.length = 0;
      const batch = await store.appendToStream(stream, [anEvent(), anEvent(), anEvent()], { expectedRevision: 0 });

      // One read of the head for the hash chain, then the append: nothing read after it.
      expect(fake.calls).toEqual([`readStream ${stream}`, `append ${stream}`]);
      expect(first.position).toBe(encodeKurrentPosition(fake.stream(stream)[0]!.position));
      expect(batch).toEqual({ nextExpectedRevision: 3, position: encodeKurrentPosition(fake.stream(stream)[3]!.position) });
    });

    it('given an idempotent reply without a position, then the position is read back, and the answer repeats the first', async () => {
      const store = storeOn(fake);
      const stream = `test-${randomUUID()}`;
      const events = [anEvent(), anEvent()];
      const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      await store.appendToStream(stream, [anEvent()], { expectedRevision: 1 });
      fake.positionlessRetries = true;
      fake.calls.length = 0;

      expect(await store.appendToStream(stream, events, { expectedRevision: 'no_stream' })).toEqual(first);
      expect(fake.calls).toEqual([`append ${stream}`, `readStream ${stream}`]);
    });
  });

  describe('expected revisions are checked before anything is sent (defect 8)', () => {
    it.each([-1, 1.5, Number.NaN, 2 ** 64])('refuses %p without a call to the server', async (expectedRevision) => {
      const store = storeOn(fake);

      await expect(store.appendToStream('test-1', [anEvent()], { expectedRevision })).rejects.toBeInstanceOf(InvalidExpectedRevisionError);
      expect(fake.calls).toEqual([]);
    });
  });

  describe('retries under any and stream_exists are recognised by the adapter itself (defect 1)', () => {
    it.each(['any', 'stream_exists'] as const)('given a batch just appended with %s, then a retry sends nothing and answers the same', async (expectedRevision) => {
      const store = storeOn(fake);
      const stream = `test-${randomUUID()}`;
      await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
      const batch = [anEvent(), anEvent()];
      const first = await store.appendToStream(stream, batch, { expectedRevision });
      fake.calls.length = 0;

      expect(await store.appendToStream(stream, batch, { expectedRevision })).toEqual(first);
      expect(fake.calls).toEqual([`readStream ${stream}`]);
      expect(fake.stream(stream)).toHaveLength(3);
    });
  });

  describe('global reads go past records that are not envelopes (defect 3)', () => {
    it('given a server page made only of records that are not envelopes, then the read goes on to the next event, and an empty page means the end of the log', async () => {
      const store = storeOn(fake);
      const prefix = `p${randomUUID().replace(/-/g, '')}-`;
      const { position: start } = await store.appendToStream(`${prefix}a`, [anEvent()], { expectedRevision: 'no_stream' });
      for (let i = 0; i < 300; i++) await fake.foreign(`${prefix}foreign`);
      const next = anEvent();
      await store.appendToStream(`${prefix}b`, [next], { expectedRevision: 'no_stream' });
      for (let i = 0; i < 5; i++) await fake.foreign(`${prefix}foreign`);

      const page = await store.readAll({ after: start, maxCount: 2, streamPrefixes: [prefix] });
      const rest = await store.readAll({ after: page.checkpoint!, maxCount: 2, streamPrefixes: [prefix] });
      const records = await store.readAllRecords({ after: start, maxCount: 1 });

      expect(page.events.map((event) => event.id)).toEqual([next.id]);
      expect(page.endOfLog).toBe(true);
      expect(rest).toEqual({ events: [], checkpoint: encodeKurrentPosition(fake.log[fake.log.length - 1]!.position), endOfLog: true });
      expect(records.records.map((record) => record.id)).toEqual([next.id]);
      expect(records.endOfLog).toBe(false);
    });
  });

  describe('a journey skips linked records that are not envelopes (defect 2)', () => {
    it("given a foreign record linked into someone's journey, then readJourney and streamsOfJourney answer with their events alone", async () => {
      const store = storeOn(fake);
      const someone = randomUUID();
      await fake.foreign('foreign-1', { beneficiaryId: someone });
      const event = anEvent({ metadata: { beneficiaryId: someone } });
      await store.appendToStream('beneficiary-1', [event], { expectedRevision: 'no_stream' });
      // The projection links both: the journey stream resolves to the original records.
      const journey = fake.log.filter((record) => (record.metadata as { beneficiaryId?: string } | undefined)?.beneficiaryId === someone);
      const readStream = fake.readStream.bind(fake);
      jest.spyOn(fake, 'readStream').mockImplementation((stream, options) =>
        stream === `journey-${someone}`
          ? (async function* () {
              for (const resolved of journey) yield { event: resolved };
            })()
          : readStream(stream, options),
      );

      expect((await store.readJourney(someone)).map((stored) => stored.id)).toEqual([event.id]);
      expect(await store.streamsOfJourney(someone)).toEqual(['beneficiary-1']);
    });
  });

  describe('checkpoint streams are capped whatever happened to the first save (defect 4)', () => {
    it('given a stream without $maxCount (a first save whose metadata call failed), when saved, then the cap is set, once per instance', async () => {
      const store = storeOn(fake);
      await fake.appendToStream('checkpoint-forwarder', { type: 'CheckpointSaved', data: { position: '1/1' } });

      await store.save('forwarder', '2/2');
      await store.save('forwarder', '3/3');

      expect(fake.metadata.get('checkpoint-forwarder')).toEqual({ maxCount: 1 });
      expect(fake.calls.filter((call) => call.includes('StreamMetadata'))).toEqual(['getStreamMetadata checkpoint-forwarder', 'setStreamMetadata checkpoint-forwarder']);
      expect(await store.load('forwarder')).toBe('3/3');
    });

    it('given the metadata write fails, then the save fails before appending, and the next save sets it', async () => {
      const store = storeOn(fake);
      const setStreamMetadata = jest.spyOn(fake, 'setStreamMetadata').mockRejectedValueOnce(new UnavailableError(undefined, 'gone'));

      await expect(store.save('rebuild', '1/1')).rejects.toThrow('gone');
      expect(fake.stream('checkpoint-rebuild')).toEqual([]);
      await store.save('rebuild', '2/2');

      expect(setStreamMetadata).toHaveBeenCalledTimes(2);
      expect(fake.metadata.get('checkpoint-rebuild')).toEqual({ maxCount: 1 });
      expect(await store.load('rebuild')).toBe('2/2');
    });

    it('given a stream already capped (with other metadata), then it is left as it is', async () => {
      fake.metadata.set('checkpoint-x', { maxCount: 1, acl: { readRoles: ['$admins'] } });
      const store = storeOn(fake);

      await store.save('x', '1/1');

      expect(fake.calls.filter((call) => call.startsWith('setStreamMetadata'))).toEqual([]);
    });
  });

  describe('health follows the journey projection (defect 5)', () => {
    it.each([
      [{ status: 'Running', stateReason: '' }, 'up'],
      [{ status: 'Stopped', stateReason: '' }, 'down'],
      [{ status: 'Faulted', stateReason: 'boom' }, 'down'],
    ])('given the projection reports %p, then health is %s', async (projection, status) => {
      fake.getProjectionStatus.mockResolvedValue(projection);

      expect(await storeOn(fake).health()).toMatchObject({ status, kind: 'kurrentdb', details: { journeyProjection: projection.status } });
    });

    it('given no such projection, then health is down and says so', async () => {
      fake.getProjectionStatus.mockRejectedValue(Object.assign(new Error("5 NOT_FOUND: Projection 'x' not found"), { type: 'not-found', code: 5 }));

      expect(await storeOn(fake).health()).toMatchObject({ status: 'down', details: { journeyProjection: 'missing' } });
    });

    it('given the projection status cannot be read, then health is down with the error', async () => {
      fake.getProjectionStatus.mockRejectedValue(new UnavailableError(undefined, 'connection refused'));

      expect(await storeOn(fake).health()).toEqual({ status: 'down', kind: 'kurrentdb', details: { error: 'connection refused' } });
    });
  });

  describe('creating the projection tells transient failures from the real cause (defect 6)', () => {
    it('given the subsystem is starting (deadlines, not leader), then init retries and succeeds', async () => {
      fake.createProjection
        .mockRejectedValueOnce(Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { type: 'deadline-exceeded', code: 4 }))
        .mockRejectedValueOnce(new UnavailableError(undefined, 'Server Is Not Ready'));

      await storeOn(fake).init();

      expect(fake.createProjection).toHaveBeenCalledTimes(3);
      expect(fake.createProjection).toHaveBeenLastCalledWith(JOURNEY_PROJECTION, expect.any(String), expect.objectContaining({ emitEnabled: true }));
    });

    it('given transient failures that do not stop, then init gives up after the attempts and names the last error', async () => {
      fake.createProjection.mockRejectedValue(new UnavailableError(undefined, 'No connection established'));

      await expect(storeOn(fake, { projectionAttempts: 3 }).init()).rejects.toThrow(
        /Could not create the oriental-journeys-v1 projection: still failing after 3 attempts: UnavailableError \(unavailable\): No connection established/,
      );
      expect(fake.createProjection).toHaveBeenCalledTimes(3);
    });

    it('given the projection exists, then init is done at once', async () => {
      fake.createProjection.mockRejectedValue(new Error('2 UNKNOWN: Envelope callback expected Updated, received Conflict instead'));

      await storeOn(fake, { projectionAttempts: 1 }).init();

      expect(fake.createProjection).toHaveBeenCalledTimes(1);
    });

    it('given a server without a projection service, then init fails at once saying the server must run projections', async () => {
      fake.createProjection.mockRejectedValue(Object.assign(new Error('12 UNIMPLEMENTED: The server does not implement the method'), { code: 12 }));
      fake.getProjectionStatus.mockRejectedValue(Object.assign(new Error('12 UNIMPLEMENTED'), { code: 12 }));

      await expect(storeOn(fake).init()).rejects.toThrow(/no projection service: it must run projections \(KURRENTDB_RUN_PROJECTIONS=All\)\. Error: 12 UNIMPLEMENTED/);
      expect(fake.createProjection).toHaveBeenCalledTimes(1);
    });

    it('given another failure, then init reports it as it is, not as "must run projections"', async () => {
      fake.createProjection.mockRejectedValue(new Error('2 UNKNOWN: Envelope callback expected Updated, received OperationFailed instead'));
      fake.getProjectionStatus.mockRejectedValue(Object.assign(new Error('not found'), { type: 'not-found', code: 5 }));

      const failure = storeOn(fake).init();

      await expect(failure).rejects.toThrow(/received OperationFailed instead/);
      await expect(failure).rejects.not.toThrow(/must run projections/);
    });
  });
});
