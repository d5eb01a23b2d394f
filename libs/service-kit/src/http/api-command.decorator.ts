import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import { ApiProblemResponse, ApiResponseOf } from './validation';

export interface CommandDocumentation {
  /** The success answer: its status (200, or 201 when the command creates something) and body. */
  answer: { status: number; schema: z.ZodType };
  /** The 404 codes, e.g. `BENEFICIARY_NOT_FOUND`. */
  notFound: string;
  /** The 422 codes of the business rules that may refuse it. */
  rules: string;
}

/**
 * The OpenAPI of a command on an existing stream, as `@CommandRequest()` and the command
 * executor answer it: the answer, and every problem they may answer. The headers they read
 * (Idempotency-Key, If-Match, X-Correlation-Id), 413 and 415 are written for every command by
 * bootstrap (`completeOpenApiDocument`), from the patterns the checks use.
 */
export const ApiCommand = ({ answer, notFound, rules }: CommandDocumentation): MethodDecorator =>
  applyDecorators(
    ApiResponseOf(answer.status, answer.schema, 'Done; ETag: the new revision (Idempotent-Replayed: true on a retry)'),
    ApiProblemResponse(
      400,
      'Invalid, missing or unknown field (VALIDATION_FAILED with field errors), MALFORMED_JSON, BODY_TOO_DEEP, DUPLICATE_JSON_KEY, BODY_UNREADABLE (a body its Content-Encoding or Content-Length does not match); IDEMPOTENCY_KEY_REQUIRED, IDEMPOTENCY_KEY_INVALID, IF_MATCH_INVALID, CORRELATION_ID_INVALID',
    ),
    ApiProblemResponse(404, notFound),
    ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED: the key was used with another body or by another caller; CONCURRENT_MODIFICATION: retry'),
    ApiProblemResponse(412, 'STALE_REVISION: If-Match is not the current revision'),
    ApiProblemResponse(422, `A business rule refused it: ${rules}`),
  );
