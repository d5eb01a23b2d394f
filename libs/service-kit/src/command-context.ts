import type { Principal } from './auth/principal';
import { sha256, canonicalJson, uuidV5 } from './ids';

/**
 * Everything a command carries besides its data: who sends it, which retry key it has, which
 * revision the caller last saw, the trace it belongs to and the clock reading. Built once per
 * HTTP request (see `@CommandRequest()`), so every command path handles `Idempotency-Key` and
 * `If-Match` the same way.
 */
export interface CommandContext {
  /** Client-chosen key (Idempotency-Key header): a retry with the same key is answered, not redone. */
  idempotencyKey: string;
  /** Hash of method, route and canonical body: the same key with another request is refused. */
  requestHash: string;
  /** From If-Match: the stream revision the caller based the command on. */
  expectedRevision?: number;
  /** Who acts: the token's subject for HTTP commands, the service itself for its reactions. */
  actor: string;
  /** The caller of an HTTP command, for the scope checks of its handler; absent on a service's own reactions. */
  principal?: Principal;
  correlationId: string;
  causationId: string;
  now: Date;
  traceparent?: string;
  tracestate?: string;
}

export const requestHash = (method: string, route: string, body: unknown): string =>
  sha256(`${method.toUpperCase()} ${route}\n${canonicalJson(body ?? null)}`);

/**
 * Ids derived from the idempotency key: a retried request produces the very same ids, so the
 * store's idempotent append turns a retry after a crash into a no-op. The request hash is part
 * of the name so that a different body under the same key can never pass as a retry. The actor
 * is not: the same key from another subject must meet the first use and be refused (409), not
 * slip past it under ids of its own (the executor compares the recorded actor).
 */
export const derivedId = (context: Pick<CommandContext, 'idempotencyKey' | 'requestHash'>, purpose: string): string =>
  uuidV5(`${context.idempotencyKey}|${context.requestHash}|${purpose}`);

/** An id that depends on the key only (not the body): used to find the target of a retried creation. */
export const keyedId = (context: Pick<CommandContext, 'idempotencyKey'>, purpose: string): string =>
  uuidV5(`${context.idempotencyKey}|${purpose}`);

/** An ETag this API returns (a stream revision), strong or weak: `"3"`, `W/"3"`. */
export const IF_MATCH_PATTERN = /^(W\/)?"([0-9]{1,15})"$/;

/** Parses `If-Match: "3"` (or W/"3") into a revision; undefined when absent (or empty). */
export const parseIfMatch = (header: string | undefined): number | undefined | 'invalid' => {
  if (header === undefined || header === '') return undefined;
  const match = IF_MATCH_PATTERN.exec(header.trim());
  return match ? Number(match[2]) : 'invalid';
};

export const etagOf = (revision: number): string => `"${revision}"`;
