import { createParamDecorator, ExecutionContext, Inject, Injectable, PipeTransform } from '@nestjs/common';
import { context as otelContext, propagation } from '@opentelemetry/api';
import { eventMetadataSchema } from '@oriental/contracts';
import type { Request } from 'express';
import { AuthenticatedRequest, principalOf } from '../auth/policy';
import { CommandContext, parseIfMatch, requestHash } from '../command-context';
import { BadRequestHeaderError } from '../errors';
import { newId } from '../ids';
import { Clock } from '../clock';
import { CLOCK } from '../tokens';

/**
 * The causation id of an HTTP command is `http:<Idempotency-Key>`, so the key in it stays the
 * one the client sent (greppable in logs and events), and the key may be as long as the
 * envelope lets that causation id be (195 characters): the header check and the envelope are one
 * rule, and a key the envelope would refuse is a 400 here, before the handler writes anything
 * (a personal-data key, for one). Keys of 196 to 255 characters never worked: they answered 500.
 */
const CAUSATION_PREFIX = 'http:';
export const IDEMPOTENCY_KEY_MAX_LENGTH = (eventMetadataSchema.shape.causationId.maxLength ?? 200) - CAUSATION_PREFIX.length;
/** The one rule for the header, which the check below and the OpenAPI documents both use. */
export const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[\\x21-\\x7e]{8,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);
/** Correlation ids travel in every event's metadata: short, printable, no spaces. */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9:._@-]{1,200}$/;

/** Builds the CommandContext of a request; throws the 400s that concern headers. */
export const commandContextOf = (request: AuthenticatedRequest, now: Date = new Date()): CommandContext => {
  const key = request.header('idempotency-key');
  if (!key) {
    throw new BadRequestHeaderError('IDEMPOTENCY_KEY_REQUIRED', 'The Idempotency-Key header is required on every command (e.g. a UUID)');
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new BadRequestHeaderError('IDEMPOTENCY_KEY_INVALID', `Idempotency-Key must be 8 to ${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters`);
  }
  const expectedRevision = parseIfMatch(request.header('if-match'));
  if (expectedRevision === 'invalid') {
    throw new BadRequestHeaderError('IF_MATCH_INVALID', 'If-Match must be an ETag this API returned, e.g. "3"');
  }
  // The actor is the verified token's subject, never a header the caller could choose.
  const principal = principalOf(request);
  const correlationId = request.header('x-correlation-id') ?? newId();
  if (!CORRELATION_ID_PATTERN.test(correlationId)) {
    throw new BadRequestHeaderError('CORRELATION_ID_INVALID', 'X-Correlation-Id must be 1 to 200 of A-Z a-z 0-9 : . _ @ -');
  }
  const carrier: Record<string, string> = {};
  propagation.inject(otelContext.active(), carrier);
  const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
  return {
    idempotencyKey: key,
    requestHash: requestHash(request.method, route, request.body),
    ...(expectedRevision !== undefined ? { expectedRevision } : {}),
    actor: principal.subject,
    principal,
    correlationId,
    causationId: `${CAUSATION_PREFIX}${key}`,
    now,
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
};

const HttpRequest = createParamDecorator((_: unknown, ctx: ExecutionContext): Request => ctx.switchToHttp().getRequest<Request>());

/** Turns the request into its CommandContext, `now` read from the clock the service was given (DI). */
@Injectable()
export class CommandContextPipe implements PipeTransform<Request, CommandContext> {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  transform(request: Request): CommandContext {
    return commandContextOf(request, this.clock.now());
  }
}

/** `@CommandRequest() context: CommandContext` in a command controller. */
export const CommandRequest = (): ParameterDecorator => HttpRequest(undefined, CommandContextPipe);
