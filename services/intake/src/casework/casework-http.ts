import { applyDecorators, HttpStatus, ParseUUIDPipe } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { BeneficiaryEvent, noteSchema } from '@oriental/intake-domain';
import { ApiProblemResponse, ApiResponseOf, CommandOutcome, etagOf, RequestValidationError } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';

/** A path id that must be a UUID: 400 with the field named otherwise. */
export const uuidParam = (field: string) =>
  new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field, message: 'must be a UUID' }]) });

/** What every command on a case answers: the new revision is also the ETag. `changed` is false when nothing needed recording (e.g. a consent already given). */
export const caseCommandAnswer = z.object({
  beneficiaryId: z.uuid(),
  revision: z.int().meta({ description: 'The stream revision after the command (the ETag)' }),
  changed: z.boolean().meta({ description: 'false when the command changed nothing (already so): nothing was appended' }),
});
export type CaseCommandAnswer = z.output<typeof caseCommandAnswer>;

/** The OpenAPI of a command on a beneficiary's case: its headers and every problem it may answer. */
export const ApiCaseCommand = (answer: { status: number; schema: z.ZodType }, rules: string): MethodDecorator =>
  applyDecorators(
    ApiTags('beneficiaries'),
    ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' }),
    ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read: 412 when the case changed since' }),
    ApiHeader({ name: 'X-Actor', required: false, description: 'Who acts (until authentication lands)' }),
    ApiResponseOf(answer.status, answer.schema, 'Done; ETag: the new revision (Idempotent-Replayed: true on a retry)'),
    ApiProblemResponse(400, 'Invalid, missing or unknown field (problem details with field errors), missing Idempotency-Key'),
    ApiProblemResponse(404, 'BENEFICIARY_NOT_FOUND'),
    ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED: the key was used with another body'),
    ApiProblemResponse(412, 'STALE_REVISION: If-Match is not the current revision'),
    ApiProblemResponse(422, `A business rule refused it: ${rules}`),
  );

export const OK = { status: HttpStatus.OK, schema: caseCommandAnswer };

/** Sets the command's ETag (and Idempotent-Replayed on a retry); answers the common part of its body. */
export const answerCommand = (response: Response, beneficiaryId: string, outcome: CommandOutcome<BeneficiaryEvent>): CaseCommandAnswer => {
  response.setHeader('ETag', etagOf(outcome.revision));
  if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
  return { beneficiaryId, revision: outcome.revision, changed: outcome.events.length > 0 };
};

/** An optional note: personal data, sealed at rest, never published. */
export const optionalNote = () => noteSchema.optional().meta({ description: 'Free text; personal data: encrypted at rest, never published' });

/** A body that may be left out (e.g. only an optional note): absent is `{}`; unknown fields are still refused. */
export const optionalBody = <Shape extends z.core.$ZodLooseShape>(shape: Shape) => z.strictObject(shape).default({} as never);
