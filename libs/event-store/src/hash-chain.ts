import { createHash } from 'node:crypto';
import { ChainedLog, ChainedRecord } from './event-store.port';

/**
 * Tamper evidence: every stream is a hash chain (docs/adr/0011-hash-chained-streams.md). The
 * adapters compute the hashes at append; the functions below only read and compare, so an
 * auditor can run them beside a live network.
 */

/** The previous hash of a stream's first event (revision 0). */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's hash covers: the event as stored, but not its global position, which KurrentDB assigns only once written. */
export type HashedFields = Pick<ChainedRecord, 'stream' | 'revision' | 'id' | 'type' | 'schemaVersion' | 'data' | 'metadata'>;

/**
 * SHA-256 (hex) of an event as stored, linked to the previous event of its stream: a JSON header
 * `[previousHash, stream, revision, id, type, schemaVersion, data length, metadata length]`, a
 * line break, then the data and metadata text. The lengths make the split between the two texts
 * unambiguous.
 */
export const eventHash = (event: HashedFields, previousHash: string): string =>
  createHash('sha256')
    .update(JSON.stringify([previousHash, event.stream, event.revision, event.id, event.type, event.schemaVersion, event.data.length, event.metadata.length]))
    .update('\n')
    .update(event.data)
    .update(event.metadata)
    .digest('hex');

/**
 * - `missing-hash`: the event carries no chain (stored before chaining, or stripped);
 * - `previous-hash-mismatch`: its previous hash is not the hash of the event before it in the
 *   stream (an event before it was removed, inserted or rewritten together with its own hash);
 * - `hash-mismatch`: its bytes no longer give its stored hash (the event itself was changed).
 */
export const BROKEN_LINK_REASONS = ['missing-hash', 'previous-hash-mismatch', 'hash-mismatch'] as const;
export type BrokenLinkReason = (typeof BROKEN_LINK_REASONS)[number];

export interface BrokenLink {
  stream: string;
  revision: number;
  reason: BrokenLinkReason;
}

/** Checks records in each stream's revision order, remembering only each stream's last hash. */
class ChainWalker {
  private readonly heads = new Map<string, string>();

  get streams(): number {
    return this.heads.size;
  }

  check(record: ChainedRecord): BrokenLink | undefined {
    const broken = (reason: BrokenLinkReason): BrokenLink => ({ stream: record.stream, revision: record.revision, reason });
    if (record.hash === null || record.previousHash === null) return broken('missing-hash');
    // A stream seen for the first time must start at its first event: the genesis link.
    if (record.previousHash !== (this.heads.get(record.stream) ?? GENESIS_HASH)) return broken('previous-hash-mismatch');
    if (eventHash(record, record.previousHash) !== record.hash) return broken('hash-mismatch');
    this.heads.set(record.stream, record.hash);
    return undefined;
  }
}

export interface StreamVerdict {
  stream: string;
  events: number;
  intact: boolean;
  firstBrokenLink?: BrokenLink;
}

/** Verifies one stream's records, all of them, from revision 0 (as `readStreamRecords` gives them). */
export const verifyStream = (stream: string, records: readonly ChainedRecord[]): StreamVerdict => {
  const walker = new ChainWalker();
  for (const record of records) {
    const firstBrokenLink = walker.check(record);
    if (firstBrokenLink) return { stream, events: records.length, intact: false, firstBrokenLink };
  }
  return { stream, events: records.length, intact: true };
};

export interface JourneyVerdict {
  beneficiaryId: string;
  intact: boolean;
  streams: { stream: string; events: number; intact: boolean }[];
  /** In the first broken stream, in journey order. */
  firstBrokenLink?: BrokenLink;
}

/**
 * Verifies every stream of a beneficiary's journey, whole (a journey stream may also hold other
 * people's events, and its chain runs through them). Undefined when no event names them.
 */
export const verifyJourney = async (log: ChainedLog, beneficiaryId: string): Promise<JourneyVerdict | undefined> => {
  const streams = await log.streamsOfJourney(beneficiaryId);
  if (streams.length === 0) return undefined;
  const verdicts: StreamVerdict[] = [];
  for (const stream of streams) verdicts.push(verifyStream(stream, await log.readStreamRecords(stream)));
  const firstBrokenLink = verdicts.find((verdict) => verdict.firstBrokenLink)?.firstBrokenLink;
  return {
    beneficiaryId,
    intact: !firstBrokenLink,
    streams: verdicts.map(({ stream, events, intact }) => ({ stream, events, intact })),
    ...(firstBrokenLink ? { firstBrokenLink } : {}),
  };
};

/**
 * What an operator writes down, outside the system, to detect later what the chains alone cannot
 * (a rewritten last event with its hash, a truncated stream): the digest of the first `events`
 * events' hashes, in log order. Printed as `<events>:<digest>`.
 */
export interface LogAnchor {
  events: number;
  digest: string;
}

export const formatAnchor = ({ events, digest }: LogAnchor): string => `${events}:${digest}`;

/** Undefined when the text is not `<events>:<64 hex digits>`. */
export const parseAnchor = (text: string): LogAnchor | undefined => {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text);
  return match ? { events: Number(match[1]), digest: match[2]! } : undefined;
};

/** The log digest after one more event: chained over the events' own hashes, so it costs one short hash per event. */
const nextDigest = (digest: string, hash: string): string => createHash('sha256').update(`${digest}:${hash}`).digest('hex');

export interface LogVerdict {
  intact: boolean;
  /** Events verified (up to the broken one, excluded). */
  events: number;
  streams: number;
  firstBrokenLink?: BrokenLink;
  /** The log's anchor as verified: print it for the operator to keep. */
  anchor: LogAnchor;
  /** Whether the log still reaches the anchor given and digests to it there (absent when none was given). */
  anchorMatched?: boolean;
}

export interface VerifyLogOptions {
  /** Called after each page with the number of events verified so far. */
  onProgress?: (events: number) => void;
  /** An anchor written down earlier: the log's first `events` events must still digest to it. */
  anchor?: LogAnchor;
  pageSize?: number;
}

/**
 * Verifies the whole log, page by page in global order, and stops at the first broken link.
 * Memory holds one hash per stream, whatever the number of events.
 */
export const verifyLog = async (log: ChainedLog, { onProgress, anchor, pageSize = 1_000 }: VerifyLogOptions = {}): Promise<LogVerdict> => {
  const walker = new ChainWalker();
  let events = 0;
  let digest = GENESIS_HASH;
  // Undefined until the log reaches the anchor's count; a log that no longer does fails it.
  let anchorMatched: boolean | undefined = anchor?.events === 0 ? anchor.digest === GENESIS_HASH : undefined;
  const verdict = (firstBrokenLink?: BrokenLink): LogVerdict => ({
    intact: !firstBrokenLink && anchorMatched !== false,
    events,
    streams: walker.streams,
    ...(firstBrokenLink ? { firstBrokenLink } : {}),
    anchor: { events, digest },
    ...(anchor ? { anchorMatched: anchorMatched ?? false } : {}),
  });

  let after: string | undefined;
  for (;;) {
    const page = await log.readAllRecords({ ...(after !== undefined ? { after } : {}), maxCount: pageSize });
    for (const record of page.records) {
      const broken = walker.check(record);
      if (broken) return verdict(broken);
      digest = nextDigest(digest, record.hash!);
      events++;
      if (anchor && events === anchor.events) anchorMatched = digest === anchor.digest;
    }
    onProgress?.(events);
    after = page.checkpoint;
    if (page.endOfLog || page.records.length === 0) return verdict();
  }
};
