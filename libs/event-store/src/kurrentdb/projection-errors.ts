/**
 * What a failed projection call means, read from the error `@kurrent/kurrentdb-client` 1.3.1
 * throws (its `type`, the gRPC status `code` it keeps, its message) and from the server's
 * projection management service (KurrentDB's ProjectionManagement.*.cs, ProjectionManager.cs):
 *
 * - `exists`: creating a projection whose name is taken. The manager answers `Conflict`
 *   ("Duplicate projection name"), which the gRPC service reports as an Unknown status
 *   ("… expected Updated, received Conflict instead").
 * - `missing`: asking for a projection that does not exist (NOT_FOUND, "Projection '…' not found").
 * - `transient`: worth trying again in a moment: not the leader, unavailable (the client also
 *   reports a broken connection so), busy or not ready, or a deadline. A manager whose subsystem
 *   has not started yet drops the request unanswered, so the call ends at its deadline.
 * - `disabled`: the server has no projection service at all (UNIMPLEMENTED).
 * - `denied`: the user may not manage projections.
 * - `other`: anything else (an invalid query…): reported as it is.
 *
 * A server that does not run projections (KURRENTDB_RUN_PROJECTIONS=None) may also show as
 * `transient`: its manager is not subscribed to the requests and lets them reach their deadline.
 */
export type ProjectionErrorKind = 'exists' | 'missing' | 'transient' | 'disabled' | 'denied' | 'other';

/** gRPC status codes (grpc.status), as the client keeps them in `code`. */
const GRPC = { CANCELLED: 1, UNKNOWN: 2, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, ABORTED: 10, UNIMPLEMENTED: 12, UNAVAILABLE: 14, UNAUTHENTICATED: 16, PERMISSION_DENIED: 7 } as const;

const TRANSIENT_TYPES = new Set(['not-leader', 'unavailable', 'deadline-exceeded', 'timeout']);
const TRANSIENT_CODES = new Set<number>([GRPC.DEADLINE_EXCEEDED, GRPC.RESOURCE_EXHAUSTED, GRPC.ABORTED, GRPC.UNAVAILABLE]);
const TRANSIENT_MESSAGE = /not ready|is busy|not leader|no leader|leader info|deadline|timed? ?out|unavailable|ECONNREFUSED|ECONNRESET/i;

export const classifyProjectionError = (error: unknown): ProjectionErrorKind => {
  const { type, code, message } = errorFields(error);
  if (/Conflict|Duplicate projection name/i.test(message)) return 'exists';
  // Before NOT_FOUND: a follower answers "leader info" with that status and a not-leader trailer.
  if (TRANSIENT_TYPES.has(type)) return 'transient';
  if (type === 'access-denied' || code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED) return 'denied';
  if (code === GRPC.UNIMPLEMENTED || type === 'unsupported') return 'disabled';
  if (type === 'not-found' || code === GRPC.NOT_FOUND) return 'missing';
  if ((code !== undefined && TRANSIENT_CODES.has(code)) || TRANSIENT_MESSAGE.test(message)) return 'transient';
  return 'other';
};

/** The error's own words, for a message that names the real cause. */
export const describeError = (error: unknown): string => {
  const { type, message } = errorFields(error);
  const name = error instanceof Error ? error.constructor.name : typeof error;
  return `${name}${type ? ` (${type})` : ''}: ${message || '(no message)'}`;
};

const errorFields = (error: unknown): { type: string; code: number | undefined; message: string } => {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { type?: unknown; code?: unknown; message?: unknown; details?: unknown };
  return {
    type: typeof fields.type === 'string' ? fields.type : '',
    code: typeof fields.code === 'number' ? fields.code : undefined,
    message: [fields.message, fields.details].filter((part): part is string => typeof part === 'string' && part !== '').join(' ') || (typeof error === 'string' ? error : ''),
  };
};

/**
 * Waits before attempt `attempt + 1` (1-based): `base`, doubling each time, at most `max`.
 * Pure, so the schedule is specified by a unit spec.
 */
export const backoffDelay = (attempt: number, base: number, max = 8 * base): number => Math.min(max, base * 2 ** (attempt - 1));
