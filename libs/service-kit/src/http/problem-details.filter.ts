import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { trace } from '@opentelemetry/api';
import { DomainError } from '@oriental/domain-kit';
import { StreamRevisionConflict } from '@oriental/event-store';
import { isTransient } from '@oriental/messaging';
import type { Request, Response } from 'express';
import {
  BadRequestHeaderError,
  FieldError,
  IdempotencyKeyReused,
  JsonBodyRefused,
  NotFound,
  RequestValidationError,
  StaleRevision,
  UnsupportedMediaType,
  Unauthenticated,
  Forbidden,
  NotAcceptable,
} from '../errors';

/** RFC 9457 problem details, plus a stable `code` and, for 400, the list of field errors. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: FieldError[];
  traceId?: string;
}

const domainStatus = { conflict: HttpStatus.CONFLICT, rule: HttpStatus.UNPROCESSABLE_ENTITY, not_found: HttpStatus.NOT_FOUND } as const;

const httpCodes: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const titleOf = (status: number): string =>
  (HttpStatus[status] ?? 'ERROR')
    .toString()
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/^\w/, (c) => c.toUpperCase());

/** What a 503 STORE_UNAVAILABLE asks the client to wait: long enough for a store's restart or failover. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** Maps every error of an HTTP request to problem details; the one place that knows status codes. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) this.logger.error(exception instanceof Error ? exception : String(exception), { path: request.url });
    if (response.headersSent) return;
    // RFC 6750 §3.1: a request that sent no token gets the challenge without an error code.
    if (problem.code === 'STORE_UNAVAILABLE') response.setHeader('Retry-After', String(STORE_RETRY_AFTER_SECONDS));
    if (problem.status === 401) response.setHeader('WWW-Authenticate', problem.code === 'TOKEN_INVALID' ? 'Bearer realm="oriental", error="invalid_token"' : 'Bearer realm="oriental"');
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, request: Request): ProblemDetails {
    const base = (status: number, code: string, detail: string, errors?: FieldError[]): ProblemDetails => ({
      type: `urn:oriental:problem:${code.toLowerCase().replace(/_/g, '-')}`,
      title: titleOf(status),
      status,
      detail,
      instance: request.originalUrl ?? request.url,
      code,
      ...(errors ? { errors } : {}),
      ...this.traceId(),
    });

    if (exception instanceof RequestValidationError) return base(400, exception.code, exception.message, exception.errors);
    if (exception instanceof BadRequestHeaderError) return base(400, exception.code, exception.message);
    if (exception instanceof JsonBodyRefused) return base(400, exception.code, exception.message, exception.errors);
    if (exception instanceof IdempotencyKeyReused) return base(409, exception.code, exception.message);
    if (exception instanceof StaleRevision) return base(412, exception.code, exception.message);
    if (exception instanceof NotFound) return base(404, exception.code, exception.message);
    if (exception instanceof UnsupportedMediaType) return base(415, exception.code, exception.message);
    if (exception instanceof NotAcceptable) return base(406, exception.code, exception.message);
    if (exception instanceof Unauthenticated) return base(401, exception.code, exception.message);
    if (exception instanceof Forbidden) return base(403, exception.code, exception.message);
    if (exception instanceof StreamRevisionConflict) {
      return base(409, 'CONCURRENT_MODIFICATION', 'The resource was changed by another request; retry');
    }
    if (exception instanceof ThrottlerException) {
      // The guard has set Retry-After (seconds until the client's window frees a request).
      return base(429, 'RATE_LIMITED', 'Too many requests from this client; retry after the number of seconds in Retry-After');
    }
    if (exception instanceof DomainError) return base(domainStatus[exception.kind], exception.code, exception.message);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest turns body-parser's SyntaxError into a plain BadRequestException carrying only the
      // parser's message (@nestjs/core routes-resolver), so the message is all there is to go on.
      if (status === 400 && exception instanceof BadRequestException && /JSON/.test(exception.message)) {
        return base(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
      }
      const body = exception.getResponse();
      const detail =
        typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : exception.message;
      return base(status, httpCodes[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR'), detail);
    }
    // express errors (e.g. payload too large) carry status and type but are not HttpExceptions.
    const expressError = exception as { status?: number; statusCode?: number; type?: string; message?: string } | undefined;
    const status = expressError?.status ?? expressError?.statusCode;
    if (status && status >= 400 && status < 500) {
      if (expressError?.type === 'entity.parse.failed') return base(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
      // Anything else the body parser refuses with 400 is a body it could not read as sent (a
      // Content-Encoding that does not decode, a length that does not match): a stable code,
      // and not the decompressor's own words.
      if (status === 400) return base(400, 'BODY_UNREADABLE', 'The request body could not be read: its Content-Encoding or Content-Length does not match what was sent');
      return base(status, httpCodes[status] ?? 'HTTP_ERROR', expressError?.message ?? titleOf(status));
    }
    // A store that is away (a restart, a lost connection, a full disk) is not the request's
    // fault nor a bug: say so, and when to try again.
    if (isTransient(exception)) {
      return base(503, 'STORE_UNAVAILABLE', 'A store this service needs is not answering; try again in a few seconds (a command with the same Idempotency-Key is recorded once)');
    }
    return base(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged');
  }

  private traceId(): { traceId?: string } {
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    return traceId && !/^0+$/.test(traceId) ? { traceId } : {};
  }
}
