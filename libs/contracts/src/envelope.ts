import { z } from 'zod';

/**
 * The envelope every event travels in, in the event store and on the bus.
 *
 * A beneficiary is a person a reception cell receives: an MRE (Moroccan residing abroad),
 * a returnee, or an RPT (ressortissant d'un pays tiers, a foreign national). Their
 * *journey* is every event, in every context, that carries their id in `metadata.beneficiaryId`.
 */
export interface EventMetadata {
  /** Pseudonymous id of the beneficiary the event is about, where there is one. */
  beneficiaryId?: string;
  /** Shared by every event caused, directly or not, by one user request. */
  correlationId: string;
  /** Id of the command or event that caused this one. */
  causationId: string;
  /** Who did it: a user id, or `system:<component>` for automated reactions. */
  actor: string;
  /** The reception cell the action happened at, where there is one. */
  cellId?: string;
  /** When the fact happened in the domain (ISO 8601, UTC); given by the command, not the store. */
  occurredAt: string;
  /** W3C trace context (https://www.w3.org/TR/trace-context/) of the request that appended it. */
  traceparent?: string;
  tracestate?: string;
  /** Room for the roadmap: idempotency key, previous-event hash (tamper evidence) and so on. */
  [extension: string]: unknown;
}

/** An event about to be appended. `id` is chosen by the writer so a retried append is a no-op. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
}

/**
 * Opaque, ordered position in the store's global log. Adapters encode their own positions
 * (SQLite: a sequence number; KurrentDB: commit/prepare positions); callers only store it
 * and hand it back, e.g. as a checkpoint or a resumable feed cursor.
 */
export type LogPosition = string;

/** An event as stored: the envelope plus where it sits in its stream and in the global log. */
export interface StoredEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  stream: string;
  /** 0-based position within its stream. */
  revision: number;
  position: LogPosition;
}

const uuid = z.string().uuid();
const isoInstant = z.string().datetime({ offset: true });

export const eventMetadataSchema = z
  .object({
    beneficiaryId: uuid.optional(),
    correlationId: z.string().min(1).max(200),
    causationId: z.string().min(1).max(200),
    actor: z.string().min(1).max(200),
    cellId: z.string().min(1).max(100).optional(),
    occurredAt: isoInstant,
    traceparent: z
      .string()
      .regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/)
      .optional(),
    tracestate: z.string().max(512).optional(),
  })
  .catchall(z.unknown());

export const newEventSchema = z.object({
  id: uuid,
  type: z.string().regex(/^[A-Z][A-Za-z]+$/, 'event types are PascalCase past-tense names'),
  schemaVersion: z.number().int().positive(),
  data: z.unknown(),
  metadata: eventMetadataSchema,
});

export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(
    readonly issues: { path: string; message: string }[],
    what: string,
  ) {
    super(`${what} is not a valid event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

export const zodIssues = (error: z.ZodError): { path: string; message: string }[] =>
  error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));

/** Validates an envelope at an edge (before append, after reading from the bus). */
export const assertValidEvent = (candidate: unknown, what = 'event'): NewEvent => {
  const parsed = newEventSchema.safeParse(candidate);
  if (!parsed.success) throw new InvalidEventError(zodIssues(parsed.error), what);
  return parsed.data as NewEvent;
};
