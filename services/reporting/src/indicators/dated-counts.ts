import { compareLogPositions, DocumentCollection, DocumentWrite, ReadStore, SourcedEvent, VersionedDocument } from '@oriental/read-store';

/**
 * Counters by date, so that a report over a period costs what the period holds, never the
 * history (docs/performance.md, docs/indicators.md).
 *
 * A read model's documents (one per beneficiary, say) each say what they count and on which day:
 * a registration counts `new` on the day of the registration, a referral counts `awaiting` on the
 * day its answer is due. Each such count is kept three times, in three *buckets*: the day
 * (`d:YYYY-MM-DD`), its month (`m:YYYY-MM`) and all time (`all`). A report over a period adds the
 * days at its ragged ends and the whole months between (at most ~60 day buckets and one month
 * bucket per month asked for); a report over all time reads the `all` buckets.
 *
 * A bucket is split further by *place* (`c:<cell>` or `p:<province>`), so no counter document
 * grows with the number of places, and by *lane* (as ADR 8's lane counters are): each lane
 * writes its own counter documents, so concurrent consumers of different partitions never race
 * on one document. Counter document id: `<bucket>|<place>|<lane>`, so the buckets of a period
 * are a contiguous range of ids (one index range per part of the period).
 */

/** A count a document contributes: under `key`, at `place`, on `day` (YYYY-MM-DD, UTC); `n` (a whole number, 1 unless given) for a sum, e.g. of score gains. */
export interface DatedCount {
  day: string;
  place: string;
  key: string;
  n?: number;
}

/** One lane's counts of one bucket and place, and the last log position it counted. */
export interface BucketCounts {
  bucket: string;
  place: string;
  lane: string;
  /** The log position of the last event counted here: a redelivered event is not counted again. */
  position: string;
  counts: Record<string, number>;
}

/** A read model of one document per key whose counts are kept by date (see the file's comment). */
export interface DatedCountsProjection<E extends SourcedEvent, T extends object> {
  documents: DocumentCollection<T>;
  /** The document an event changes; undefined when the event is not this read model's business. */
  documentId(event: E): string | undefined;
  /** The document after the event. Pure: it may run more than once for one event. */
  evolve(current: T | null, event: E): T;
  /** What a document counts, and where and when: a change of document moves its counts. */
  counters: { collection: DocumentCollection<BucketCounts>; countAs(document: T): readonly DatedCount[] };
}

const ALL_TIME = 'all';
const dayBucket = (day: string) => `d:${day}`;
const monthBucket = (month: string) => `m:${month}`;
/** The three buckets a count on `day` is kept in. */
const bucketsOf = (day: string): string[] => [ALL_TIME, monthBucket(day.slice(0, 7)), dayBucket(day)];

// Places come from events (a province named by a session): keep the separator out of them.
const escapePlace = (place: string) => (place.includes('|') || place.includes('%') ? place.replaceAll('%', '%25').replaceAll('|', '%7C') : place);
const counterId = (bucket: string, place: string, lane: string) => `${bucket}|${escapePlace(place)}|${lane}`;

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T[^+-]*Z$/;
/** The UTC day of an ISO 8601 instant: `2026-07-15T23:30:00-02:00` is 2026-07-16. */
export const dayOf = (instant: string): string => (UTC_INSTANT.test(instant) ? instant.slice(0, 10) : new Date(instant).toISOString().slice(0, 10));

// Separates a change's parts in a map key: never in a day, a place or a key.
const SEP = '\u0000';

/**
 * What moving a document from `before` to `after` changes: counts (`n` signed, 1 unless given),
 * those that stay where they were left out. A new document's counts are its changes as they are.
 */
const changesOf = (before: readonly DatedCount[], after: readonly DatedCount[]): readonly DatedCount[] => {
  if (before.length === 0) return after;
  const net = new Map<string, DatedCount & { n: number }>();
  const add = ({ day, place, key, n = 1 }: DatedCount, sign: number) => {
    const slot = `${day}${SEP}${place}${SEP}${key}`;
    const change = net.get(slot);
    if (change) change.n += sign * n;
    else net.set(slot, { day, place, key, n: sign * n });
  };
  for (const count of before) add(count, -1);
  for (const count of after) add(count, +1);
  return [...net.values()].filter((change) => change.n !== 0);
};

const appliedRevision = (checkpoint: Record<string, number>, stream: string): number => (Object.hasOwn(checkpoint, stream) ? checkpoint[stream]! : -1);

/**
 * Whether `writeBatch` is all or nothing. The embedded store writes a batch in one transaction;
 * MongoDB (no multi-document transactions on the servers supported) applies writes one by one.
 */
const atomicBatches = (store: ReadStore): boolean => store.kind !== 'mongodb';

const backoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 5 * 2 ** attempt)));

/**
 * Applies a batch of one lane's events (in order) to a read model and its dated counters.
 *
 * Exactly once in effect, however often a batch is delivered, as `applyBatch` (libs/read-store)
 * is: a document records the last revision applied from each stream, and an event it already
 * holds is neither applied nor counted again. A counter document records the last position it
 * counted, so an event whose document was not written (a crash between two writes) is counted
 * once: on its next delivery the counters that hold it skip it, the others count it.
 *
 * The counters are written before the documents:
 * - embedded store: in the same transaction, all or nothing; a lost compare-and-set (another
 *   lane wrote a document in between) rolls back the whole batch, which is read and counted again;
 * - MongoDB: the counters first, then the documents. A crash in between leaves the counters
 *   ahead: the redelivery writes the documents and counts nothing. As with ADR 8's lane
 *   counters, a document written by two lanes at the same moment may be counted from the
 *   version one of them read first.
 */
export const applyDatedBatch = async <E extends SourcedEvent, T extends object>(
  store: ReadStore,
  projection: DatedCountsProjection<E, T>,
  lane: string,
  events: readonly E[],
  { maxRetries = 10 }: { maxRetries?: number } = {},
): Promise<{ applied: number }> => {
  const relevant = events.flatMap((event) => {
    const id = projection.documentId(event);
    return id === undefined ? [] : [{ id, event }];
  });
  if (relevant.length === 0) return { applied: 0 };
  const { countAs, collection: counters } = projection.counters;
  const ids = [...new Set(relevant.map(({ id }) => id))].sort();

  for (let attempt = 0; ; attempt++) {
    const stored = await projection.documents.getMany(ids);
    const working = new Map<string, VersionedDocument<T>>(stored.map((document) => [document.id, document]));
    const changed = new Set<string>();
    const counted: { position: string; changes: readonly DatedCount[] }[] = [];
    let applied = 0;

    for (const { id, event } of relevant) {
      const current = working.get(id);
      const { stream, revision, position } = event.source;
      if (current !== undefined && appliedRevision(current.checkpoint, stream) >= revision) continue;
      const next = projection.evolve(current ? current.data : null, event);
      const changes = changesOf(current ? countAs(current.data) : [], countAs(next));
      if (changes.length > 0) counted.push({ position, changes });
      working.set(id, { id, version: current?.version ?? 0, checkpoint: { ...current?.checkpoint, [stream]: revision }, data: next });
      changed.add(id);
      applied++;
    }
    if (changed.size === 0) return { applied };

    // The counter documents the batch moves (each change in its day's, month's and all time's), read once.
    const slotsByDay = new Map<string, { id: string; bucket: string }[]>();
    const slotsOf = (day: string, place: string) => {
      const at = `${day}${SEP}${place}`;
      let slots = slotsByDay.get(at);
      if (!slots) slotsByDay.set(at, (slots = bucketsOf(day).map((bucket) => ({ id: counterId(bucket, place, lane), bucket }))));
      return slots;
    };
    const counterIds = new Set<string>();
    for (const { changes } of counted) for (const { day, place } of changes) for (const { id } of slotsOf(day, place)) counterIds.add(id);
    const held = new Map((await counters.getMany([...counterIds])).map((document) => [document.id, document]));
    const tallies = new Map<string, { data: BucketCounts; storedPosition: string | undefined }>();
    for (const { position, changes } of counted) {
      for (const { day, place, key, n = 1 } of changes) {
        for (const { id, bucket } of slotsOf(day, place)) {
          let tally = tallies.get(id);
          if (!tally) {
            const before = held.get(id)?.data;
            tally = { data: { bucket, place, lane, position: before?.position ?? '', counts: { ...before?.counts } }, storedPosition: before?.position };
            tallies.set(id, tally);
          }
          // A counter counts an event of its lane once: those after the last position it stored.
          if (tally.storedPosition !== undefined && compareLogPositions(position, tally.storedPosition) <= 0) continue;
          const { counts } = tally.data;
          const total = (counts[key] ?? 0) + n;
          if (total === 0) delete counts[key];
          else counts[key] = total;
          tally.data.position = position;
        }
      }
    }
    const counterWrites: DocumentWrite[] = [...tallies]
      .filter(([, tally]) => tally.data.position !== (tally.storedPosition ?? ''))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, tally]) => ({ collection: counters.name, id, data: tally.data, expectedVersion: held.get(id)?.version ?? 0 }));
    const documentWrites: DocumentWrite[] = ids
      .filter((id) => changed.has(id))
      .map((id) => {
        const document = working.get(id)!;
        return { collection: projection.documents.name, id, data: document.data, expectedVersion: document.version, checkpoint: document.checkpoint };
      });

    const written = atomicBatches(store)
      ? await store.writeBatch([...counterWrites, ...documentWrites])
      : (counterWrites.length === 0 || (await store.writeBatch(counterWrites))) && (await store.writeBatch(documentWrites));
    if (written) return { applied };
    if (attempt >= maxRetries) throw new Error(`${projection.documents.name}: the batch of lane ${lane} met concurrent writes on each of ${attempt + 1} attempts`);
    await backoff(attempt);
  }
};

/** A period of whole UTC days, both ends included; an end left out is open. */
export interface Period {
  from?: string;
  to?: string;
}

/** Counts added up over lanes and buckets: place → key → n. */
export type PlacedCounts = Map<string, Map<string, number>>;

const addInto = (into: PlacedCounts, place: string, counts: Record<string, number>, sign = 1) => {
  let atPlace = into.get(place);
  if (!atPlace) into.set(place, (atPlace = new Map()));
  for (const [key, n] of Object.entries(counts)) atPlace.set(key, (atPlace.get(key) ?? 0) + sign * n);
};

const PAGE = 1_000;

/** Adds up the counter documents whose bucket lies between `first` and `last` (both of one kind, both included): one index range. */
const addRange = async (collection: DocumentCollection<BucketCounts>, into: PlacedCounts, first: string, last: string, sign = 1): Promise<void> => {
  // `first` sorts before every id that starts with `first|`, and after every id of an earlier bucket.
  for (let afterId = first; ; ) {
    const page = await collection.find(undefined, { afterId, limit: PAGE });
    for (const { data } of page) {
      if (data.bucket > last) return;
      addInto(into, data.place, data.counts, sign);
    }
    if (page.length < PAGE) return;
    afterId = page[page.length - 1]!.id;
  }
};

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const shiftDays = (day: string, days: number) => isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
const yearAndMonth = (month: string) => month.split('-').map(Number) as [number, number];
const monthOf = (date: Date) => isoDay(date).slice(0, 7);
/** Day 0 of the next month is the last day of this one (Date.UTC counts months from 0). */
const lastDayOfMonth = (month: string) => {
  const [year, m] = yearAndMonth(month);
  return isoDay(new Date(Date.UTC(year, m, 0)));
};
const nextMonth = (month: string) => {
  const [year, m] = yearAndMonth(month);
  return monthOf(new Date(Date.UTC(year, m, 1)));
};
const previousMonth = (month: string) => {
  const [year, m] = yearAndMonth(month);
  return monthOf(new Date(Date.UTC(year, m - 2, 1)));
};

/** The last day anything may be counted on: a period open at its end reads up to it. */
const END_OF_TIME = '9999-12-31';

/**
 * The buckets that cover `from`..`to` (both included): the days of a partial first and last
 * month, and the whole months between. A period of one year reads at most 60 day buckets and
 * 12 month buckets per place and lane, whatever the history.
 */
export const bucketRanges = (from: string, to: string): { first: string; last: string }[] => {
  if (from > to) return [];
  const ranges: { first: string; last: string }[] = [];
  let firstMonth = from.slice(0, 7);
  let lastMonth = to.slice(0, 7);
  if (firstMonth === lastMonth) {
    return from.endsWith('-01') && to === lastDayOfMonth(lastMonth) ? [{ first: monthBucket(firstMonth), last: monthBucket(firstMonth) }] : [{ first: dayBucket(from), last: dayBucket(to) }];
  }
  if (!from.endsWith('-01')) {
    ranges.push({ first: dayBucket(from), last: dayBucket(lastDayOfMonth(firstMonth)) });
    firstMonth = nextMonth(firstMonth);
  }
  const tail = to === lastDayOfMonth(lastMonth) ? undefined : { first: dayBucket(`${lastMonth}-01`), last: dayBucket(to) };
  if (tail) lastMonth = previousMonth(lastMonth);
  if (firstMonth <= lastMonth) ranges.push({ first: monthBucket(firstMonth), last: monthBucket(lastMonth) });
  if (tail) ranges.push(tail);
  return ranges;
};

/**
 * The counts of a period, added up over every lane: all time when the period is open at both
 * ends; all time less what came after `to` when only `to` is given (a period up to a recent day
 * reads the few buckets after it); otherwise the buckets of the period.
 */
export const countsOf = async (collection: DocumentCollection<BucketCounts>, period: Period = {}): Promise<PlacedCounts> => {
  const counts: PlacedCounts = new Map();
  if (period.from === undefined) {
    await addRange(collection, counts, ALL_TIME, ALL_TIME);
    if (period.to !== undefined && period.to < END_OF_TIME) {
      for (const { first, last } of bucketRanges(shiftDays(period.to, 1), END_OF_TIME)) await addRange(collection, counts, first, last, -1);
    }
  } else {
    for (const { first, last } of bucketRanges(period.from, period.to ?? END_OF_TIME)) await addRange(collection, counts, first, last);
  }
  for (const atPlace of counts.values()) for (const [key, n] of atPlace) if (n === 0) atPlace.delete(key);
  return counts;
};

/**
 * The part of a period that lies before today (UTC): where something due and still awaited is
 * overdue. Undefined when the period starts today or later.
 */
export const overduePeriod = (period: Period, now: Date): Period | undefined => {
  const yesterday = shiftDays(isoDay(now), -1);
  const to = period.to !== undefined && period.to < yesterday ? period.to : yesterday;
  if (period.from !== undefined && period.from > to) return undefined;
  return { ...(period.from !== undefined ? { from: period.from } : {}), to };
};

/**
 * Counts documents written before the read model kept dated counters, once, at boot: a read
 * model that finds documents but no counter counts them into a lane of its own, which no event
 * arrives on. Answers how many documents it counted.
 */
export const countExistingDocuments = async <E extends SourcedEvent, T extends object>(
  store: ReadStore,
  projection: DatedCountsProjection<E, T>,
  lane = 'counted-at-upgrade',
): Promise<number> => {
  const { collection, countAs } = projection.counters;
  if ((await collection.find(undefined, { limit: 1 })).length > 0) return 0;
  const tallies = new Map<string, BucketCounts>();
  let documents = 0;
  for (let afterId: string | undefined; ; ) {
    const page = await projection.documents.find(undefined, { limit: PAGE, ...(afterId !== undefined ? { afterId } : {}) });
    for (const { data } of page) {
      documents++;
      for (const { day, place, key, n = 1 } of countAs(data)) {
        for (const bucket of bucketsOf(day)) {
          const id = counterId(bucket, place, lane);
          let tally = tallies.get(id);
          if (!tally) tallies.set(id, (tally = { bucket, place, lane, position: '0', counts: {} }));
          tally.counts[key] = (tally.counts[key] ?? 0) + n;
        }
      }
    }
    if (page.length < PAGE) break;
    afterId = page[page.length - 1]!.id;
  }
  if (documents === 0) return 0;
  const writes = [...tallies].map(([id, data]) => ({ collection: collection.name, id, data, expectedVersion: 0 }));
  // Compare-and-set on creation: a live batch that counted first makes this moot.
  return (await store.writeBatch(writes)) ? documents : 0;
};
