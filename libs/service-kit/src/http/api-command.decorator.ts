import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
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
 * executor answer it: the headers they read, the answer, and every problem they may answer.
 */
export const ApiCommand = ({ answer, notFound, rules }: CommandDocumentation): MethodDecorator =>
  applyDecorators(
    ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' }),
    ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read: 412 when the stream changed since' }),
    ApiResponseOf(answer.status, answer.schema, 'Done; ETag: the new revision (Idempotent-Replayed: true on a retry)'),
    ApiProblemResponse(400, 'Invalid, missing or unknown field (VALIDATION_FAILED with field errors), BODY_TOO_DEEP, DUPLICATE_JSON_KEY, missing or invalid Idempotency-Key or If-Match'),
    ApiProblemResponse(404, notFound),
    ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED: the key was used with another body'),
    ApiProblemResponse(412, 'STALE_REVISION: If-Match is not the current revision'),
    ApiProblemResponse(422, `A business rule refused it: ${rules}`),
  );
