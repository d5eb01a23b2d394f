import type { DeliveredMessage, Rejection } from '../nest/event-handler';
import { DeadLetter, DeadLetterHeaders } from './dead-letter';
import { isTransient } from './transient';

/** A message as the transport received it: decoded for the handler, raw for the dead-letter queue. */
export interface Incoming {
  delivered: DeliveredMessage;
  /** The value as received (text), kept byte for byte in a dead letter. */
  raw: string | null;
  /** Kafka offset; undefined in-process. */
  offset?: string;
}

export interface DeliveryOptions {
  topic: string;
  group: string;
  lane: string;
  partition?: number;
  incoming: readonly Incoming[];
  /** Runs the handler on these messages as one batch of `lane`; resolves with what it rejected. */
  run(messages: readonly DeliveredMessage[], lane: string): Promise<Rejection[]>;
  /** Stores dead letters durably (Kafka: `<topic>.dlq`; in-process: the event store). */
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  /** Acknowledges every incoming message up to and including this one (Kafka: commits its offset). */
  acknowledge(last: Incoming): Promise<void>;
  /**
   * Called before each attempt: retries of a large batch take a while, and a Kafka consumer must
   * heartbeat meanwhile or its group evicts it.
   */
  alive?: () => Promise<void>;
  /** Attempts of a failing batch, and then of each of its messages, before a dead letter (default 3). */
  attempts?: number;
  /** First pause between attempts; doubles each time (default 200 ms). */
  retryDelayMs?: number;
  now?: () => Date;
}

/**
 * Hands a lane's messages to a handler so that one bad message cannot stop the lane, and none is
 * dropped silently:
 *
 * - messages the handler rejects (invalid against their contract) become dead letters, written
 *   before the batch is acknowledged;
 * - a batch whose handler fails with a TRANSIENT error (a server away: `isTransient`) is not
 *   acknowledged: the error goes back to the transport, which delivers it again, for as long as
 *   the failure lasts;
 * - a batch whose handler fails otherwise is tried `attempts` times, then each of its messages
 *   alone, `attempts` times each; a message that still fails becomes a dead letter with the
 *   last error as its reason, and the lane goes on.
 *
 * A replayed dead letter (header `dlq-replay-of`) is handled alone, as a lane of its own
 * (`<lane>~replay:<id>`): it is older than what its lane already holds, and a lane's counters
 * count only what comes after their position (libs/read-store/src/projection.ts).
 */
export const deliverWithDeadLetters = async (options: DeliveryOptions): Promise<void> => {
  for (const { lane, items } of segments(options.incoming, options.lane)) await deliverSegment(options, items, lane);
};

const deliverSegment = async (options: DeliveryOptions, items: readonly Incoming[], lane: string): Promise<void> => {
  const attempts = options.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    await options.alive?.();
    let rejections: Rejection[];
    try {
      rejections = await options.run(
        items.map(({ delivered }) => delivered),
        lane,
      );
    } catch (error) {
      if (isTransient(error)) throw error;
      lastError = error;
      if (attempt < attempts) await pause((options.retryDelayMs ?? 200) * 2 ** (attempt - 1));
      continue;
    }
    // Outside the handler's try: a dead letter that cannot be written, or an acknowledgement the
    // broker refuses (a rebalance), is the transport's failure, not the message's: it propagates,
    // and the batch comes again.
    const rejected = uniqueRejections(rejections);
    if (rejected.length > 0) {
      await options.deadLetter(
        rejected.flatMap(({ message, reason }) => {
          const item = items.find(({ delivered }) => delivered === message);
          return item ? [letterOf(options, item, reason)] : [];
        }),
      );
    }
    await options.acknowledge(items[items.length - 1]!);
    return;
  }
  if (items.length > 1) {
    // Find the culprit: each message alone, in order, so the good ones are stored and acknowledged.
    for (const item of items) await deliverSegment(options, [item], lane);
    return;
  }
  await options.deadLetter([letterOf(options, items[0]!, `handler failed ${attempts} times: ${messageOf(lastError)}`)]);
  await options.acknowledge(items[0]!);
};

/** Several handlers of one topic share a context: a message two of them rejected is one dead letter. */
const uniqueRejections = (rejections: readonly Rejection[]): Rejection[] => {
  const seen = new Map<DeliveredMessage, Rejection>();
  for (const rejection of rejections) {
    const earlier = seen.get(rejection.message);
    seen.set(rejection.message, earlier && earlier.reason !== rejection.reason ? { ...earlier, reason: `${earlier.reason}; ${rejection.reason}` } : rejection);
  }
  return [...seen.values()];
};

/** Runs of ordinary messages, and each replayed dead letter alone in a lane of its own. */
const segments = (incoming: readonly Incoming[], lane: string): { lane: string; items: Incoming[] }[] => {
  const result: { lane: string; items: Incoming[] }[] = [];
  for (const item of incoming) {
    const replayOf = item.delivered.headers[DeadLetterHeaders.replayOf];
    if (replayOf) {
      result.push({ lane: `${lane}~replay:${replayOf}`, items: [item] });
      continue;
    }
    const last = result[result.length - 1];
    if (last && last.lane === lane) last.items.push(item);
    else result.push({ lane, items: [item] });
  }
  return result;
};

const letterOf = (options: DeliveryOptions, item: Incoming, reason: string): DeadLetter => ({
  topic: options.topic,
  group: options.group,
  ...(options.partition !== undefined ? { partition: options.partition } : {}),
  ...(item.offset !== undefined ? { offset: item.offset } : {}),
  key: item.delivered.key,
  headers: withoutDeadLetterHeaders(item.delivered.headers),
  value: item.raw,
  reason: reason.length > 2000 ? `${reason.slice(0, 2000)}…` : reason,
  deadLetteredAt: (options.now?.() ?? new Date()).toISOString(),
  ...(item.delivered.headers[DeadLetterHeaders.replayOf] ? { replayOf: item.delivered.headers[DeadLetterHeaders.replayOf] } : {}),
});

/** A replayed message that fails again is dead-lettered with its original headers, not the last replay's. */
const withoutDeadLetterHeaders = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('dlq-')));

const messageOf = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
