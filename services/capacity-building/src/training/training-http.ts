import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiProblemResponse, ApiResponseOf, CommandOutcome, etagOf } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';

/** What a command on a session answers by default: the new revision is also the ETag; `changed` is false when nothing needed recording. */
export const sessionCommandAnswer = z.object({
  sessionId: z.uuid(),
  revision: z.int().nonnegative().meta({ description: 'The session stream’s revision after the command (the ETag)' }),
  changed: z.boolean().meta({ description: 'false when the command changed nothing (already so): nothing was appended' }),
});
export type SessionCommandAnswer = z.output<typeof sessionCommandAnswer>;

/** The OpenAPI of a command on an existing session: its answer, and every problem it may answer; `rules`: its 409 and 422 codes. */
export const ApiSessionCommand = (answer: z.ZodType, rules: string): MethodDecorator =>
  applyDecorators(ApiTags('sessions'), ApiCommand({ answer: { status: HttpStatus.OK, schema: answer }, notFound: 'SESSION_NOT_FOUND', rules }));

/**
 * The OpenAPI of a command creating a stream (programme, session, participant): 201 with
 * Location and ETag; `rules`: the 422 codes it may answer.
 */
export const ApiCreation = (tag: string, answer: z.ZodType, what: string, rules?: string): MethodDecorator =>
  applyDecorators(
    ApiTags(tag),
    ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' }),
    ApiResponseOf(HttpStatus.CREATED, answer, `${what}; Location: it, ETag: its revision (Idempotent-Replayed: true on a retry)`),
    ApiProblemResponse(400, 'Invalid, missing or unknown field, unknown reference (VALIDATION_FAILED with field errors), bad headers'),
    ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED: the key was used with another body or by another caller'),
    ...(rules ? [ApiProblemResponse(422, `A business rule refused it: ${rules}`)] : []),
  );

/** Sets a command's ETag (and Idempotent-Replayed on a retry). */
export const answerCommand = (response: Response, outcome: Pick<CommandOutcome<unknown>, 'revision' | 'replayed'>): void => {
  response.setHeader('ETag', etagOf(outcome.revision));
  if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
};

/** The common answer of a command on a session. */
export const sessionAnswer = (sessionId: string, outcome: CommandOutcome<unknown>): SessionCommandAnswer => ({
  sessionId,
  revision: outcome.revision,
  changed: outcome.events.length > 0,
});

/** A body that may be left out: absent is `{}`; unknown fields are still refused. */
export const emptyBody = z.strictObject({}).default({} as never);
/** A type alias, not `z.output<…>` in the parameter: decorator metadata would name zod's `output` function as the body's class. */
export type EmptyBody = z.output<typeof emptyBody>;
