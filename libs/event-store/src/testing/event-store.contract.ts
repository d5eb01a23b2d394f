import { randomUUID } from 'node:crypto';
import { assertValidEvent, EventMetadata, InvalidEventError, NewEvent, StoredEvent } from '@oriental/contracts';
import { eventually } from '@oriental/testing';
import {
  ChainedLog,
  ChainedRecord,
  CheckpointStore,
  EventStore,
  InvalidExpectedRevisionError,
  StreamRevisionConflict,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import { eventHash, GENESIS_HASH, verifyJourney, verifyStream } from '../hash-chain';
import { anEvent, aStream } from './builders';

export interface ContractSubject {
  store: EventStore & CheckpointStore & ChainedLog;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** KurrentDB builds journeys with a server-side projection: a journey read may lag an append. */
  journeyIsEventuallyConsistent?: boolean;
  /**
   * How many skipped events a subscription's checkpoint may rest behind (KurrentDB reports one
   * every few hundred records it passed over); 0 when it reaches the head.
   */
  checkpointLag?: number;
  /**
   * How many events that do not match a read's prefixes one read of the adapter may look past
   * before it answers (SQLite's scan window); a case appends more than that, to show that a read
   * goes on past them rather than answer an empty page. 64 unless told.
   */
  readWindow?: number;
  /**
   * For an adapter whose log can hold records that are not envelopes (another tool wrote them,
   * e.g. straight through KurrentDB's client): writes such records to a stream. The cases that
   * need them run only where it is given.
   */
  writeForeignRecords?: (stream: string, records: readonly ForeignRecord[]) => Promise<void>;
}

/** A JSON record that is no envelope: no schema version, no hash chain; `metadata` as another tool might write it. */
export interface ForeignRecord {
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const TIMEOUT_MS = 30_000;
/** Events a quiet-traffic case appends at once: enough for KurrentDB to report a checkpoint. */
const QUIET_EVENTS = 400;

/**
 * The behaviour every EventStore & CheckpointStore adapter must show. It never assumes an empty
 * log: streams are unique per test, and global reads filter on a prefix unique to the test, so
 * it also runs against a shared, long-lived server.
 */
export const eventStoreContract = (name: string, factory: () => Promise<ContractSubject>, options: ContractOptions = {}): void => {
  describe(`${name} honours the event store contract`, () => {
    let store: EventStore & CheckpointStore & ChainedLog;
    let cleanup: () => Promise<void>;
    let subscriptions: Subscription[];

    beforeEach(async () => {
      ({ store, cleanup } = await factory());
      subscriptions = [];
    });

    afterEach(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await cleanup();
    });

    const append = (stream: string, events: NewEvent[], expectedRevision: Parameters<EventStore['appendToStream']>[2]['expectedRevision'] = 'any') =>
      store.appendToStream(stream, events, { expectedRevision });

    const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => {
          throw new Error('expected a failure, got a success');
        },
        (error: unknown) => error,
      );

    /** Subscribes, recording what arrives; afterEach stops it. */
    const follow = (subscribe: Omit<SubscribeToAllOptions, 'onEvents'> & Partial<Pick<SubscribeToAllOptions, 'onEvents'>>) => {
      const received: StoredEvent[] = [];
      const batches: StoredEvent[][] = [];
      const subscription = store.subscribeToAll({
        onEvents: async (batch) => {
          batches.push(batch);
          received.push(...batch);
        },
        ...subscribe,
      });
      subscriptions.push(subscription);
      return { received, batches, subscription };
    };

    const ids = (events: readonly { id: string }[]) => events.map((event) => event.id);
    const storedAs = (event: NewEvent, stream: string, revision: number) => ({ ...event, stream, revision, position: expect.any(String) });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    describe('appending and reading a stream', () => {
      it(
        'given a new stream, when events are appended, then readStream returns every envelope field intact, at revisions 0..n',
        async () => {
          const stream = aStream();
          const events = [
            anEvent({
              type: 'BeneficiaryRegistered',
              schemaVersion: 3,
              data: { name: 'Ḥassan', tags: ['mre', 'returnee'], age: 42, nested: { ok: true, nothing: null } },
              metadata: {
                beneficiaryId: randomUUID(),
                cellId: 'cell-oujda',
                traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
                tracestate: 'vendor=value',
                idempotencyKey: 'key-1',
              },
            }),
            anEvent({ data: [1, 'two', { three: 3 }] }),
            anEvent({ data: 'plain text', metadata: { occurredAt: '2024-07-01T10:00:00.000+01:00' } }),
          ];

          const result = await append(stream, events, 'no_stream');
          const stored = await store.readStream(stream);

          expect(stored).toStrictEqual(events.map((event, revision) => storedAs(event, stream, revision)));
          expect(result).toStrictEqual({ nextExpectedRevision: 2, position: stored[2].position });
          expect(new Set(stored.map((event) => event.position)).size).toBe(3);
        },
        TIMEOUT_MS,
      );

      it(
        'given a stream, when read from a revision with a maximum count, then only that window comes back',
        async () => {
          const stream = aStream();
          const events = Array.from({ length: 5 }, () => anEvent());
          await append(stream, events, 'no_stream');

          expect(ids(await store.readStream(stream, { fromRevision: 1, maxCount: 2 }))).toEqual(ids(events.slice(1, 3)));
          expect((await store.readStream(stream, { fromRevision: 3 })).map((event) => event.revision)).toEqual([3, 4]);
          expect(ids(await store.readStream(stream, { maxCount: 1 }))).toEqual([events[0].id]);
        },
        TIMEOUT_MS,
      );

      it('given no such stream, when it is read, then the answer is empty', async () => {
        expect(await store.readStream(aStream())).toEqual([]);
      });
    });

    describe('optimistic concurrency', () => {
      const conflictOn = async (stream: string, expected: Parameters<typeof append>[2], actual: number) => {
        const error = await failureOf(append(stream, [anEvent()], expected));
        expect(error).toBeInstanceOf(StreamRevisionConflict);
        expect(error).toMatchObject({ code: 'STREAM_REVISION_CONFLICT', stream, expected, actual });
      };

      it(
        'given an existing stream, when appending with no_stream, then it conflicts with the actual revision',
        async () => {
          const stream = aStream();
          await append(stream, [anEvent(), anEvent()], 'no_stream');
          await conflictOn(stream, 'no_stream', 1);
          expect(await store.readStream(stream)).toHaveLength(2);
        },
        TIMEOUT_MS,
      );

      it(
        'given a stream at revision 1, when appending at revision 0, then it conflicts',
        async () => {
          const stream = aStream();
          await append(stream, [anEvent(), anEvent()], 'no_stream');
          await conflictOn(stream, 0, 1);
        },
        TIMEOUT_MS,
      );

      it('given no stream, when appending with stream_exists or a revision, then it conflicts with actual -1', async () => {
        const stream = aStream();
        await conflictOn(stream, 'stream_exists', -1);
        await conflictOn(stream, 0, -1);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it(
        'given matching expectations, when appending, then each append lands',
        async () => {
          const stream = aStream();
          expect((await append(stream, [anEvent()], 'any')).nextExpectedRevision).toBe(0);
          expect((await append(stream, [anEvent()], 'stream_exists')).nextExpectedRevision).toBe(1);
          expect((await append(stream, [anEvent(), anEvent()], 1)).nextExpectedRevision).toBe(3);
          expect((await append(stream, [anEvent()], 'any')).nextExpectedRevision).toBe(4);
          expect((await store.readStream(stream)).map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
        },
        TIMEOUT_MS,
      );

      it(
        'given two writers that read the same revision, when both append, then exactly one wins',
        async () => {
          const stream = aStream();
          await append(stream, [anEvent()], 'no_stream');
          const [first, second] = [anEvent(), anEvent()];

          const outcomes = await Promise.allSettled([append(stream, [first], 0), append(stream, [second], 0)]);

          const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
          expect(winners).toHaveLength(1);
          expect(losers).toEqual([expect.any(StreamRevisionConflict)]);
          const stored = await store.readStream(stream);
          expect(stored).toHaveLength(2);
          expect([first.id, second.id]).toContain(stored[1].id);
        },
        TIMEOUT_MS,
      );
    });

    describe('idempotent appends (a retried command)', () => {
      it.each(['no_stream', 'any'] as const)(
        'given an appended event, when the same event is appended again with %s, then it is stored once and the answer repeats',
        async (expectedRevision) => {
          const stream = aStream();
          const event = anEvent();

          const first = await append(stream, [event], expectedRevision);
          const retry = await append(stream, [event], expectedRevision);

          expect(retry).toStrictEqual(first);
          expect(ids(await store.readStream(stream))).toEqual([event.id]);
        },
        TIMEOUT_MS,
      );

      it(
        'given an appended batch, when it is retried at the same revision, then nothing is added and the answer repeats',
        async () => {
          const stream = aStream();
          await append(stream, [anEvent()], 'no_stream');
          const batch = [anEvent(), anEvent()];

          const first = await append(stream, batch, 0);
          const retry = await append(stream, batch, 0);

          expect(retry).toStrictEqual(first);
          expect(first.nextExpectedRevision).toBe(2);
          expect(await store.readStream(stream)).toHaveLength(3);
        },
        TIMEOUT_MS,
      );

      it(
        'given a stream that moved on, when an earlier append is retried, then it answers what that append answered',
        async () => {
          const stream = aStream();
          const event = anEvent();
          const first = await append(stream, [event], 'no_stream');
          await append(stream, [anEvent()], 0);

          expect(await append(stream, [event], 'no_stream')).toStrictEqual(first);
          expect(await store.readStream(stream)).toHaveLength(2);
        },
        TIMEOUT_MS,
      );

      it(
        'given a stored event, when a batch repeats it beside a new event, then the partial duplicate conflicts and nothing is added',
        async () => {
          const stream = aStream();
          const stored = anEvent();
          await append(stream, [stored], 'no_stream');

          const error = await failureOf(append(stream, [stored, anEvent()], 'no_stream'));

          expect(error).toBeInstanceOf(StreamRevisionConflict);
          expect(ids(await store.readStream(stream))).toEqual([stored.id]);
        },
        TIMEOUT_MS,
      );

      // The port's promise under `any` / `stream_exists` holds while the batch is still the
      // stream's last events. The adapter must check that itself: KurrentDB's own check under
      // `any` looks only in a cache of recent event ids (cold after a restart or once evicted),
      // so these cases retry a batch of several events into a stream that already has some, which
      // only a look at the stream's tail recognises, whatever that cache holds.
      it.each(['any', 'stream_exists'] as const)(
        'given a batch appended with %s after earlier events, when it is retried with the same expectation, then nothing is added and the answer repeats',
        async (expectedRevision) => {
          const stream = aStream();
          await append(stream, [anEvent(), anEvent()], 'no_stream');
          const batch = [anEvent(), anEvent(), anEvent()];

          const first = await append(stream, batch, expectedRevision);
          const retry = await append(stream, batch, expectedRevision);
          const again = await append(stream, batch, expectedRevision);

          expect(first.nextExpectedRevision).toBe(4);
          expect(retry).toStrictEqual(first);
          expect(again).toStrictEqual(first);
          const stored = await store.readStream(stream);
          expect(stored.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
          expect(first.position).toBe(stored[4].position);
        },
        TIMEOUT_MS,
      );

      it.each(['any', 'stream_exists'] as const)(
        'given a batch appended with %s, when a retry repeats only its last events, then the partial duplicate conflicts and nothing is added',
        async (expectedRevision) => {
          const stream = aStream();
          await append(stream, [anEvent()], 'no_stream');
          const batch = [anEvent(), anEvent()];
          await append(stream, batch, expectedRevision);

          const error = await failureOf(append(stream, [batch[1], anEvent()], expectedRevision));

          expect(error).toBeInstanceOf(StreamRevisionConflict);
          expect(await store.readStream(stream)).toHaveLength(3);
        },
        TIMEOUT_MS,
      );

      it(
        'given a stream that moved on, when a batch appended at an exact revision is retried at that revision, then it answers what that append answered',
        async () => {
          const stream = aStream();
          await append(stream, [anEvent()], 'no_stream');
          const batch = [anEvent(), anEvent()];
          const first = await append(stream, batch, 0);
          await append(stream, [anEvent()], 2);
          await append(stream, [anEvent()], 'any');

          expect(await append(stream, batch, 0)).toStrictEqual(first);
          expect(first).toStrictEqual({ nextExpectedRevision: 2, position: (await store.readStream(stream))[2].position });
          expect(await store.readStream(stream)).toHaveLength(5);
        },
        TIMEOUT_MS,
      );
    });

    describe('the answer of an append', () => {
      it(
        "given batches of one and of several events, then each answer's position is its last event's, as readStream and readAll give it",
        async () => {
          const prefix = `contract${randomUUID().replace(/-/g, '')}-`;
          const stream = `${prefix}a`;
          const answers = [
            await append(stream, [anEvent()], 'no_stream'),
            await append(stream, [anEvent(), anEvent(), anEvent()], 0),
            await append(stream, [anEvent(), anEvent()], 'any'),
            await append(stream, [anEvent()], 'stream_exists'),
          ];

          const stored = await store.readStream(stream);
          const { events: logged } = await store.readAll({ maxCount: 100, streamPrefixes: [prefix] });

          expect(answers.map((answer) => answer.nextExpectedRevision)).toEqual([0, 3, 5, 6]);
          expect(answers.map((answer) => answer.position)).toEqual([0, 3, 5, 6].map((revision) => stored[revision].position));
          expect(logged.map((event) => event.position)).toEqual(stored.map((event) => event.position));
        },
        TIMEOUT_MS,
      );
    });

    describe('validation', () => {
      it.each([
        ['a negative number', -1],
        ['a fraction', 1.5],
        ['NaN', Number.NaN],
        ['Infinity', Number.POSITIVE_INFINITY],
        ['a number beyond 2^53', 2 ** 60],
        ['a numeric string', '1'],
        ['another string', 'latest'],
        ['null', null],
      ])(
        'given an expected revision that is %s, when appending, then InvalidExpectedRevisionError is thrown and nothing is written',
        async (_what, expectedRevision) => {
          const [fresh, existing] = [aStream(), aStream()];
          await append(existing, [anEvent()], 'no_stream');
          const invalid = expectedRevision as never;

          const errors = [await failureOf(append(fresh, [anEvent()], invalid)), await failureOf(append(existing, [anEvent()], invalid))];

          for (const error of errors) {
            expect(error).toBeInstanceOf(InvalidExpectedRevisionError);
            expect(error).toBeInstanceOf(TypeError);
            expect(error).toMatchObject({ code: 'INVALID_EXPECTED_REVISION', message: expect.stringMatching(/expectedRevision must be/) });
          }
          expect(await store.readStream(fresh)).toEqual([]);
          expect(await store.readStream(existing)).toHaveLength(1);
        },
        TIMEOUT_MS,
      );

      const withoutActor = (): NewEvent => {
        const event = anEvent();
        delete (event.metadata as Partial<EventMetadata>).actor;
        return event;
      };

      it.each([
        ['an id that is not a uuid', () => anEvent({ id: 'not-a-uuid' })],
        ['no actor', withoutActor],
      ])(
        'given an event with %s, when appended beside a valid one, then InvalidEventError is thrown and nothing is stored',
        async (_what, invalid) => {
          const stream = aStream();

          const error = await failureOf(append(stream, [anEvent(), invalid()], 'no_stream'));

          expect(error).toBeInstanceOf(InvalidEventError);
          expect(await store.readStream(stream)).toEqual([]);
        },
        TIMEOUT_MS,
      );
    });

    describe('journeys', () => {
      it(
        "given one beneficiary's events in two streams interleaved with another's, when the journey is read, then it holds exactly theirs in global order",
        async () => {
          const [someone, someoneElse] = [randomUUID(), randomUUID()];
          const [intake, referral, other] = [aStream('beneficiary'), aStream('referral'), aStream('beneficiary')];
          const theirs = (stream: string) => ({ stream, event: anEvent({ metadata: { beneficiaryId: someone } }) });
          const notTheirs = (stream: string) => ({ stream, event: anEvent({ metadata: { beneficiaryId: someoneElse } }) });
          const unrelated = (stream: string) => ({ stream, event: anEvent() });
          const steps = [theirs(intake), notTheirs(other), theirs(referral), unrelated(referral), theirs(intake), notTheirs(other), theirs(referral)];
          for (const { stream, event } of steps) await append(stream, [event]);

          const [intakeEvents, referralEvents] = [await store.readStream(intake), await store.readStream(referral)];
          const expected = steps
            .filter(({ event }) => event.metadata.beneficiaryId === someone)
            .map(({ event }) => [...intakeEvents, ...referralEvents].find((stored) => stored.id === event.id));
          const journeyIsComplete = async () => expect(await store.readJourney(someone)).toStrictEqual(expected);

          await (options.journeyIsEventuallyConsistent ? eventually(journeyIsComplete, { timeoutMs: 20_000 }) : journeyIsComplete());
          expect(await store.readJourney(randomUUID())).toEqual([]);
        },
        TIMEOUT_MS,
      );
    });

    describe('reading the global log', () => {
      const uniquePrefix = () => `contract${randomUUID().replace(/-/g, '')}-`;

      it(
        'given events in streams under a prefix, when paging with after and maxCount, then pages are in global order with no gaps or repeats',
        async () => {
          const [prefix, otherPrefix] = [uniquePrefix(), uniquePrefix()];
          const [first, second, elsewhere] = [`${prefix}a`, `${prefix}b`, `${otherPrefix}a`];
          const steps: [string, NewEvent[]][] = [
            [first, [anEvent()]],
            [elsewhere, [anEvent()]],
            [second, [anEvent()]],
            [first, [anEvent(), anEvent()]],
            [second, [anEvent()]],
          ];
          for (const [stream, events] of steps) await append(stream, events);
          const ours = steps.filter(([stream]) => stream.startsWith(prefix)).flatMap(([, events]) => events);

          const { events: page1 } = await store.readAll({ maxCount: 2, streamPrefixes: [prefix] });
          const { events: page2 } = await store.readAll({ after: page1[1].position, maxCount: 2, streamPrefixes: [prefix] });
          const { events: page3 } = await store.readAll({ after: page2[1].position, maxCount: 2, streamPrefixes: [prefix] });
          const page4 = await store.readAll({ after: page3[0].position, maxCount: 2, streamPrefixes: [prefix] });

          expect([page1, page2, page3].map(ids)).toEqual([ids(ours.slice(0, 2)), ids(ours.slice(2, 4)), ids(ours.slice(4))]);
          expect(page4).toEqual({ events: [], checkpoint: expect.any(String), endOfLog: true });
          expect([...page1, ...page2, ...page3]).toStrictEqual(
            [...(await store.readStream(first)), ...(await store.readStream(second))].sort(
              (a, b) => ids(ours).indexOf(a.id) - ids(ours).indexOf(b.id),
            ),
          );

          const both = await store.readAll({ maxCount: 100, streamPrefixes: [prefix, otherPrefix] });
          expect(ids(both.events)).toEqual(steps.flatMap(([, events]) => ids(events)));
        },
        TIMEOUT_MS,
      );

      it(
        'given a full page, when read, then its checkpoint is its last event and it has not reached the end of the log',
        async () => {
          const prefix = uniquePrefix();
          const { position: start } = await append(aStream(), [anEvent()]);
          await append(`${prefix}a`, [anEvent(), anEvent(), anEvent()]);

          const page = await store.readAll({ after: start, maxCount: 2, streamPrefixes: [prefix] });

          expect(page).toEqual({ events: [expect.anything(), expect.anything()], checkpoint: page.events[1].position, endOfLog: false });
        },
        TIMEOUT_MS,
      );

      it(
        'given a filtered read past events that did not match, then its checkpoint is beyond them and a read from it returns only newer events',
        async () => {
          const [prefix, quietPrefix] = [uniquePrefix(), uniquePrefix()];
          const { position: start } = await append(aStream(), [anEvent()]);
          const matching = anEvent();
          await append(`${prefix}a`, [matching]);
          const skipped = Array.from({ length: 50 }, () => anEvent());
          await append(`${quietPrefix}a`, skipped);

          const page = await store.readAll({ after: start, maxCount: 10, streamPrefixes: [prefix] });

          expect(ids(page.events)).toEqual([matching.id]);
          expect(page.endOfLog).toBe(true);
          const fromCheckpoint = (streamPrefixes?: string[]) =>
            store.readAll({ after: page.checkpoint, maxCount: 1_000, ...(streamPrefixes ? { streamPrefixes } : {}) });
          expect(ids((await fromCheckpoint()).events).filter((id) => ids(skipped).includes(id))).toEqual([]);

          const newer = anEvent();
          await append(`${quietPrefix}a`, [anEvent()]);
          await append(`${prefix}b`, [newer]);
          expect(ids((await fromCheckpoint([prefix])).events)).toEqual([newer.id]);
        },
        TIMEOUT_MS,
      );

      it(
        'given more events that do not match than one read looks at, when read with a prefix, then the page holds the next matching event, and the page after it is empty only because the log ends',
        async () => {
          const [prefix, quietPrefix] = [uniquePrefix(), uniquePrefix()];
          const { position: start } = await append(aStream(), [anEvent()]);
          const skipped = Array.from({ length: (options.readWindow ?? 64) + 16 }, () => anEvent());
          for (let from = 0; from < skipped.length; from += 500) await append(`${quietPrefix}a`, skipped.slice(from, from + 500));
          const matching = anEvent();
          await append(`${prefix}a`, [matching]);

          const page = await store.readAll({ after: start, maxCount: 1, streamPrefixes: [prefix] });
          const next = await store.readAll({ after: page.checkpoint, maxCount: 1, streamPrefixes: [prefix] });

          expect(ids(page.events)).toEqual([matching.id]);
          expect(page.checkpoint).toBe(page.events[0]?.position);
          expect(next).toEqual({ events: [], checkpoint: expect.any(String), endOfLog: true });
        },
        TIMEOUT_MS,
      );

      it(
        'given no prefix, when reading after a position, then every stream comes back and only valid envelopes (no internal records)',
        async () => {
          const [stream, otherStream] = [aStream(), aStream('other')];
          const { position: start } = await append(stream, [anEvent()]);
          await store.save(`contract-${randomUUID()}`, start);
          const later = [anEvent(), anEvent()];
          await append(otherStream, [later[0]]);
          await append(stream, [later[1]]);

          const { events: read } = await store.readAll({ after: start, maxCount: 1_000 });

          expect(ids(read).filter((id) => ids(later).includes(id))).toEqual(ids(later));
          read.forEach((event) => expect(() => assertValidEvent(event)).not.toThrow());
        },
        TIMEOUT_MS,
      );

      it(
        'given appends, when asking for the log head after each, then it is at or past the event just appended, and says when it was recorded',
        async () => {
          const stream = aStream();
          const [first, second] = [anEvent(), anEvent()];
          const after = async (position: string) => ids((await store.readAll({ after: position, maxCount: 1_000 })).events);

          await append(stream, [first]);
          const headAfterFirst = await store.logHead();
          await append(stream, [second]);
          const headAfterSecond = await store.logHead();

          for (const head of [headAfterFirst, headAfterSecond]) {
            expect(head).toEqual({ position: expect.any(String), ...(head?.recordedAt !== undefined ? { recordedAt: expect.any(String) } : {}) });
            if (head?.recordedAt !== undefined) expect(Number.isNaN(Date.parse(head.recordedAt))).toBe(false);
          }
          expect(await after(headAfterFirst!.position)).not.toContain(first.id);
          expect(await after(headAfterFirst!.position)).toContain(second.id);
          expect(await after(headAfterSecond!.position)).not.toContain(second.id);
        },
        TIMEOUT_MS,
      );
    });

    describe('records in the log that are not envelopes (another tool wrote them)', () => {
      const withForeign = options.writeForeignRecords ? it : it.skip;
      const foreign = (metadata: Record<string, unknown> = {}): ForeignRecord => ({ type: 'ForeignRecordWritten', data: { by: 'another tool' }, metadata });

      withForeign(
        'given records that are not envelopes between events under a prefix, when paging one event at a time, then no page is empty before the end of the log',
        async () => {
          const prefix = `contract${randomUUID().replace(/-/g, '')}-`;
          const { position: start } = await append(aStream(), [anEvent()]);
          const [first, second] = [anEvent(), anEvent()];
          await append(`${prefix}a`, [first]);
          await options.writeForeignRecords!(`${prefix}foreign`, Array.from({ length: 5 }, () => foreign()));
          await append(`${prefix}b`, [second]);
          await options.writeForeignRecords!(`${prefix}foreign`, Array.from({ length: 3 }, () => foreign()));

          const pages: { events: StoredEvent[]; endOfLog: boolean }[] = [];
          for (let after: string | undefined = start; pages.length < 10; ) {
            const page = await store.readAll({ after, maxCount: 1, streamPrefixes: [prefix] });
            pages.push(page);
            if (page.endOfLog) break;
            after = page.checkpoint;
          }

          expect(pages.map((page) => [ids(page.events), page.endOfLog])).toEqual([
            [[first.id], false],
            [[second.id], false],
            [[], true],
          ]);
          // Unfiltered, the records that follow `first` start with five that are not envelopes
          // (on a shared server another writer may come between: then it is that one).
          const unfiltered = await store.readAllRecords({ after: pages[0]!.events[0]!.position, maxCount: 1 });
          expect(unfiltered.records).toHaveLength(1);
        },
        TIMEOUT_MS,
      );

      withForeign(
        "given a record that is not an envelope but names a beneficiary, then that person's journey answers with their events alone",
        async () => {
          const someone = randomUUID();
          const [intake, elsewhere] = [aStream('beneficiary'), aStream('foreign')];
          await options.writeForeignRecords!(elsewhere, [foreign({ beneficiaryId: someone })]);
          await append(intake, [anEvent({ metadata: { beneficiaryId: someone } })]);
          const [stored] = await store.readStream(intake);

          const journeyIsTheirs = async () => {
            expect(await store.readJourney(someone)).toStrictEqual([stored]);
            expect(await store.streamsOfJourney(someone)).toEqual([intake]);
          };
          await (options.journeyIsEventuallyConsistent ? eventually(journeyIsTheirs, { timeoutMs: 20_000 }) : journeyIsTheirs());
          expect(await verifyJourney(store, someone)).toMatchObject({ beneficiaryId: someone, intact: true });
        },
        TIMEOUT_MS,
      );
    });

    describe('subscribing to the global log', () => {
      const prefixed = () => {
        const prefix = `contract${randomUUID().replace(/-/g, '')}-`;
        return { prefix, stream: (name: string) => `${prefix}${name}` };
      };

      it(
        'given stored events, when subscribing from the start, then it delivers them in order, then live appends, in bounded batches',
        async () => {
          const { prefix, stream } = prefixed();
          const before = [anEvent(), anEvent(), anEvent()];
          await append(stream('a'), before.slice(0, 2));
          await append(stream('b'), before.slice(2));

          const { received, batches } = follow({ streamPrefixes: [prefix], maxBatchSize: 2 });
          await eventually(() => expect(ids(received)).toEqual(ids(before)));
          const live = [anEvent(), anEvent()];
          await append(stream('b'), [live[0]]);
          await append(stream('a'), [live[1]]);

          await eventually(() => expect(ids(received)).toEqual(ids([...before, ...live])));
          expect(batches.every((batch) => batch.length >= 1 && batch.length <= 2)).toBe(true);
          expect(received).toStrictEqual((await store.readAll({ maxCount: 10, streamPrefixes: [prefix] })).events);
        },
        TIMEOUT_MS,
      );

      it(
        'given a slow handler, when events arrive, then batches are delivered one at a time',
        async () => {
          const { prefix, stream } = prefixed();
          let inFlight = 0;
          let mostInFlight = 0;
          const handled: StoredEvent[] = [];
          follow({
            streamPrefixes: [prefix],
            maxBatchSize: 1,
            onEvents: async (batch) => {
              mostInFlight = Math.max(mostInFlight, ++inFlight);
              await sleep(20);
              handled.push(...batch);
              inFlight--;
            },
          });
          const events = Array.from({ length: 4 }, () => anEvent());
          for (const event of events) await append(stream('a'), [event]);

          await eventually(() => expect(ids(handled)).toEqual(ids(events)));
          expect(mostInFlight).toBe(1);
        },
        TIMEOUT_MS,
      );

      it(
        'given a checkpoint saved after some events, when a new subscription resumes from it, then it gets exactly the rest',
        async () => {
          const { prefix, stream } = prefixed();
          const checkpoint = `contract-${randomUUID()}`;
          const events = Array.from({ length: 5 }, () => anEvent());
          await append(stream('a'), events.slice(0, 3));
          await append(stream('b'), events.slice(3));

          const handled: StoredEvent[] = [];
          const first = follow({
            streamPrefixes: [prefix],
            maxBatchSize: 1,
            onEvents: async ([event]) => {
              if (handled.length === 3) return;
              handled.push(event);
              await store.save(checkpoint, event.position);
            },
          });
          await eventually(() => expect(handled).toHaveLength(3));
          await first.subscription.stop();
          const live = anEvent();
          await append(stream('a'), [live]);

          const resumed = follow({ streamPrefixes: [prefix], after: await store.load(checkpoint) });

          const rest = [...events.slice(3), live];
          await eventually(() => expect(ids(resumed.received)).toEqual(ids(rest)));
          await sleep(300);
          expect(ids(resumed.received)).toEqual(ids(rest));
          expect(ids(handled)).toEqual(ids(events.slice(0, 3)));
        },
        TIMEOUT_MS,
      );

      it(
        'given a handler that fails, when a batch arrives, then the subscription stops and onError gets the failure',
        async () => {
          const { prefix, stream } = prefixed();
          const failure = new Error('read model bug');
          let calls = 0;
          const reported: unknown[] = [];
          follow({
            streamPrefixes: [prefix],
            onEvents: async () => {
              calls++;
              throw failure;
            },
            onError: (error) => reported.push(error),
          });

          await append(stream('a'), [anEvent()]);
          await eventually(() => expect(reported).toEqual([failure]));
          await append(stream('a'), [anEvent()]);
          await sleep(300);

          expect(calls).toBe(1);
        },
        TIMEOUT_MS,
      );

      it(
        'given a batch in flight, when the subscription is stopped, then stop waits for the batch and nothing more is delivered',
        async () => {
          const { prefix, stream } = prefixed();
          let release: () => void = () => undefined;
          let started = 0;
          let finished = 0;
          const { subscription } = follow({
            streamPrefixes: [prefix],
            maxBatchSize: 1,
            onEvents: async () => {
              started++;
              await new Promise<void>((resolve) => (release = resolve));
              finished++;
            },
          });
          await append(stream('a'), [anEvent(), anEvent()]);
          await eventually(() => expect(started).toBe(1));

          let stopped = false;
          const stopping = subscription.stop().then(() => (stopped = true));
          await sleep(100);
          expect(stopped).toBe(false);
          release();
          await stopping;

          expect(finished).toBe(1);
          await sleep(200);
          expect(started).toBe(1);
        },
        TIMEOUT_MS,
      );

      /** Ids of the events an unfiltered read finds after `position`, among `among`. */
      const idsAfter = async (position: string, among: readonly { id: string }[]) => {
        const { events } = await store.readAll({ after: position, maxCount: 5_000 });
        return ids(events).filter((id) => ids(among).includes(id));
      };
      const quietEvents = () => Array.from({ length: QUIET_EVENTS }, () => anEvent());

      it(
        'given only events it does not follow, when they are appended, then onCheckpoint reports a position past them',
        async () => {
          const [{ prefix }, quiet] = [prefixed(), prefixed()];
          const { position: start } = await append(aStream(), [anEvent()]);
          const checkpoints: string[] = [];
          const { received } = follow({ after: start, streamPrefixes: [prefix], onCheckpoint: (position) => void checkpoints.push(position) });

          const skipped = quietEvents();
          await append(quiet.stream('a'), skipped);

          await eventually(async () => {
            expect(checkpoints.length).toBeGreaterThan(0);
            expect((await idsAfter(checkpoints[checkpoints.length - 1], skipped)).length).toBeLessThanOrEqual(options.checkpointLag ?? 0);
          });
          expect(received).toEqual([]);
        },
        TIMEOUT_MS,
      );

      it(
        'given events it follows among others, then every checkpoint is past the events delivered before it and before those delivered after it',
        async () => {
          const [{ prefix, stream }, quiet] = [prefixed(), prefixed()];
          const { position: start } = await append(aStream(), [anEvent()]);
          const seen: ({ delivered: StoredEvent } | { checkpoint: string })[] = [];
          follow({
            after: start,
            streamPrefixes: [prefix],
            maxBatchSize: 1,
            onEvents: async (batch) => void seen.push(...batch.map((delivered) => ({ delivered }))),
            onCheckpoint: (checkpoint) => void seen.push({ checkpoint }),
          });

          const followed = [anEvent(), anEvent(), anEvent()];
          for (const event of followed) {
            await append(stream('a'), [event]);
            await append(quiet.stream('a'), quietEvents());
          }

          await eventually(() => {
            expect(ids(seen.flatMap((item) => ('delivered' in item ? [item.delivered] : [])))).toEqual(ids(followed));
            const lastCheckpoint = seen.map((item) => 'checkpoint' in item).lastIndexOf(true);
            expect(lastCheckpoint).toBeGreaterThan(seen.findIndex((item) => 'delivered' in item));
          });
          for (const [index, item] of seen.entries()) {
            if (!('checkpoint' in item)) continue;
            const deliveredAfter = seen.slice(index + 1).flatMap((later) => ('delivered' in later ? [later.delivered] : []));
            expect(await idsAfter(item.checkpoint, followed)).toEqual(ids(deliveredAfter));
          }
        },
        TIMEOUT_MS,
      );

      it(
        'given a position, when subscribing after it, then delivery starts strictly after it',
        async () => {
          const { prefix, stream } = prefixed();
          const events = [anEvent(), anEvent(), anEvent()];
          await append(stream('a'), events);
          const [, second] = await store.readStream(stream('a'));

          const { received } = follow({ streamPrefixes: [prefix], after: second.position });

          await eventually(() => expect(ids(received)).toEqual([events[2].id]));
        },
        TIMEOUT_MS,
      );
    });

    describe('tamper evidence: every stream is a hash chain', () => {
      it(
        'given appends at every expectation, a batch and a retry, then each event links to the one before and the stream verifies intact',
        async () => {
          const stream = aStream();
          const first = anEvent({ data: { name: 'Ḥassan', sealed: { alg: 'A256GCM', ciphertext: 'AAEC' } }, metadata: { beneficiaryId: randomUUID() } });
          const retried = anEvent();
          await append(stream, [first], 'no_stream');
          await append(stream, [anEvent(), anEvent()], 0);
          await append(stream, [anEvent()], 'stream_exists');
          await append(stream, [retried], 'any');
          await append(stream, [retried], 'any');
          await append(stream, [anEvent()], 4);

          const records = await store.readStreamRecords(stream);

          expect(records.map((record) => record.revision)).toEqual([0, 1, 2, 3, 4, 5]);
          expect(records[0]!.previousHash).toBe(GENESIS_HASH);
          records.slice(1).forEach((record, index) => expect(record.previousHash).toBe(records[index]!.hash));
          expect(verifyStream(stream, records)).toStrictEqual({ stream, events: 6, intact: true });
          // The hash is the adapter-independent one: over the JSON text of data and metadata as the envelope was given.
          const text = { id: first.id, type: first.type, schemaVersion: first.schemaVersion, data: JSON.stringify(first.data), metadata: JSON.stringify(first.metadata) };
          expect(records[0]).toMatchObject({ ...text, stream, revision: 0, hash: eventHash({ ...text, stream, revision: 0 }, GENESIS_HASH) });
          const stored = await store.readStream(stream);
          expect(records.map((record) => record.position)).toEqual(stored.map((event) => event.position));
          expect(records.map((record) => JSON.parse(record.metadata))).toEqual(stored.map((event) => event.metadata));
        },
        TIMEOUT_MS,
      );

      it(
        'given many streams appended concurrently, some by racing writers, then every chain is intact and the global read gives the same records',
        async () => {
          const { position: before } = await append(aStream('chainstart'), [anEvent()], 'no_stream');
          const streams = Array.from({ length: 20 }, () => aStream('chained'));
          for (let round = 0; round < 4; round++) {
            await Promise.all(
              streams.flatMap((stream, index) => {
                const batch = () => Array.from({ length: 1 + ((index + round) % 3) }, () => anEvent());
                // Every other stream has two writers at once, neither asking for a revision.
                return index % 2 === 0 ? [append(stream, batch(), 'any'), append(stream, batch(), 'any')] : [append(stream, batch(), 'any')];
              }),
            );
          }

          const byStream = new Map(await Promise.all(streams.map(async (stream) => [stream, await store.readStreamRecords(stream)] as const)));
          for (const [stream, records] of byStream) expect(verifyStream(stream, records)).toStrictEqual({ stream, events: records.length, intact: true });
          const globally = new Map<string, ChainedRecord[]>();
          let after = before;
          for (;;) {
            const page = await store.readAllRecords({ after, maxCount: 50 });
            for (const record of page.records) if (byStream.has(record.stream)) globally.set(record.stream, [...(globally.get(record.stream) ?? []), record]);
            after = page.checkpoint ?? after;
            if (page.endOfLog) break;
          }
          expect(globally).toEqual(byStream);
        },
        TIMEOUT_MS,
      );

      it(
        "given a beneficiary's events in two streams, then their journey's streams are named in order and verify intact",
        async () => {
          const someone = randomUUID();
          const [intake, referral] = [aStream('beneficiary'), aStream('referral')];
          await append(intake, [anEvent({ metadata: { beneficiaryId: someone } })]);
          await append(referral, [anEvent(), anEvent({ metadata: { beneficiaryId: someone } })]);
          await append(intake, [anEvent({ metadata: { beneficiaryId: someone } })]);

          const journeyIsVerified = async () =>
            expect(await verifyJourney(store, someone)).toStrictEqual({
              beneficiaryId: someone,
              intact: true,
              streams: [
                { stream: intake, events: 2, intact: true },
                { stream: referral, events: 2, intact: true },
              ],
            });
          await (options.journeyIsEventuallyConsistent ? eventually(journeyIsVerified, { timeoutMs: 20_000 }) : journeyIsVerified());
          expect(await store.streamsOfJourney(randomUUID())).toEqual([]);
          expect(await store.readStreamRecords(aStream())).toEqual([]);
        },
        TIMEOUT_MS,
      );
    });

    describe('checkpoints', () => {
      it('given an unknown name, when loaded, then it is undefined', async () => {
        expect(await store.load(`contract-${randomUUID()}`)).toBeUndefined();
      });

      it(
        'given a checkpoint saved twice, when loaded, then the last save wins',
        async () => {
          const name = `contract-${randomUUID()}`;
          const stream = aStream();
          const { position: earlier } = await append(stream, [anEvent()]);
          const { position: later } = await append(stream, [anEvent()]);

          await store.save(name, earlier);
          await store.save(name, later);

          expect(await store.load(name)).toBe(later);
        },
        TIMEOUT_MS,
      );
    });

    it('reports itself up', async () => {
      expect(await store.health()).toMatchObject({ status: 'up', kind: store.kind });
    });
  });
};
