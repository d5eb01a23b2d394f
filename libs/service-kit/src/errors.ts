/**
 * Errors raised at the edges, each with a stable code that clients can rely on. Domain
 * rule failures are `DomainError`s from @oriental/domain-kit.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class RequestValidationError extends Error {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly errors: FieldError[]) {
    super(`The request has ${errors.length} invalid field(s): ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    this.name = 'RequestValidationError';
  }
}

export class BadRequestHeaderError extends Error {
  constructor(
    readonly code:
      | 'IDEMPOTENCY_KEY_REQUIRED'
      | 'IDEMPOTENCY_KEY_INVALID'
      | 'IF_MATCH_INVALID'
      | 'CORRELATION_ID_INVALID'
      | 'PURPOSE_REQUIRED'
      | 'PURPOSE_INVALID'
      | 'LAST_EVENT_ID_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'BadRequestHeaderError';
  }
}

export class IdempotencyKeyReused extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(key: string) {
    super(`Idempotency-Key ${JSON.stringify(key)} was already used for a different request, or by another caller`);
    this.name = 'IdempotencyKeyReused';
  }
}

export class StaleRevision extends Error {
  readonly code = 'STALE_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The resource changed: you sent If-Match "${expected}" but it is at "${actual}"; read it again and retry`);
    this.name = 'StaleRevision';
  }
}

export class NotFound extends Error {
  readonly code: string;
  constructor(what: string, id: string, code = 'NOT_FOUND') {
    super(`${what} ${id} does not exist`);
    this.code = code;
    this.name = 'NotFound';
  }
}

export class UnsupportedMediaType extends Error {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor(contentType: string | undefined) {
    super(`Send the body as application/json${contentType ? `, not ${contentType}` : ''}`);
    this.name = 'UnsupportedMediaType';
  }
}

/**
 * 406: the client did not ask for what the route answers, e.g. a Server-Sent Events stream
 * requested without `Accept: text/event-stream`.
 */
export class NotAcceptable extends Error {
  readonly code = 'NOT_ACCEPTABLE';
  constructor(message: string) {
    super(message);
    this.name = 'NotAcceptable';
  }
}

/**
 * A JSON body refused for its shape as written, before anything reads it: nested deeper than
 * any command needs, or naming one key twice in an object (JSON.parse would keep the last one
 * silently, so what was validated and what the sender meant could differ).
 */
export class JsonBodyRefused extends Error {
  constructor(
    readonly code: 'BODY_TOO_DEEP' | 'DUPLICATE_JSON_KEY',
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'JsonBodyRefused';
  }
}

/** 401: no bearer token, or one that does not verify (signature, issuer, audience, lifetime, claims). */
export class Unauthenticated extends Error {
  constructor(
    readonly code: 'AUTHENTICATION_REQUIRED' | 'TOKEN_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'Unauthenticated';
  }
}

/**
 * 403: the caller's role may not use this route at all, or may not act for another cell. A
 * case the caller may not see answers 404 instead (NotFound), so its existence does not leak.
 */
export class Forbidden extends Error {
  constructor(
    readonly code: 'ROLE_NOT_ALLOWED' | 'CELL_NOT_YOURS' | 'PROVINCE_NOT_YOURS' | 'PARTNER_NOT_YOURS' | 'NO_POLICY',
    message: string,
  ) {
    super(message);
    this.name = 'Forbidden';
  }
}
