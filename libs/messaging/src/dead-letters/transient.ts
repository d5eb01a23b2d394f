/**
 * Whether a failure is worth waiting out (a server restarting, a full disk, a lost connection)
 * rather than a verdict on the message. A consumer retries a transient failure for as long as
 * it lasts, holding the partition, and dead-letters a message only for a failure that is not
 * transient and survived its bounded retries: a read store that is down must not send a whole
 * topic to the dead-letter queue.
 *
 * Code that knows better throws `TransientError` (or sets `transient: true` on its error).
 */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Error classes of the drivers this system uses whose name alone says "try again later". */
const TRANSIENT_NAMES = new Set([
  // mongodb / mongoose
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoWriteConcernError',
  'MongoExpiredSessionError',
  // kafkajs
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
  // ours: a compare-and-set that kept losing to concurrent writers
  'ConcurrentUpdateError',
  'TimeoutError',
  'AbortError',
]);

/** System error codes of I/O that may succeed later (node, SQLite, gRPC status names). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOSPC',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
]);

/** Messages of mongoose and gRPC clients that carry no distinctive class or code. */
const TRANSIENT_MESSAGE = /buffering timed out|connection (?:closed|refused|reset|timed out)|not connected|topology (?:was )?(?:destroyed|closed)|server selection|socket hang up|unavailable|deadline exceeded|not leader|no leader/i;

export const isTransient = (error: unknown, depth = 0): boolean => {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const candidate = error as { name?: unknown; code?: unknown; transient?: unknown; retriable?: unknown; message?: unknown; cause?: unknown };
  if (candidate.transient === true || candidate.retriable === true) return true;
  if (typeof candidate.name === 'string' && TRANSIENT_NAMES.has(candidate.name)) return true;
  if (typeof candidate.code === 'string' && [...TRANSIENT_CODES].some((code) => (candidate.code as string).startsWith(code))) return true;
  if (typeof candidate.message === 'string' && TRANSIENT_MESSAGE.test(candidate.message)) return true;
  return isTransient(candidate.cause, depth + 1);
};
