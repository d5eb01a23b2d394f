import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { BeneficiaryEvent, noteSchema } from '@oriental/intake-domain';
import { ApiCommand, CommandOutcome, etagOf } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';

/** What every command on a case answers: the new revision is also the ETag. `changed` is false when nothing needed recording (e.g. a consent already given). */
export const caseCommandAnswer = z.object({
  beneficiaryId: z.uuid(),
  revision: z.int().nonnegative().meta({ description: 'The stream revision after the command (the ETag)' }),
  changed: z.boolean().meta({ description: 'false when the command changed nothing (already so): nothing was appended' }),
});
export type CaseCommandAnswer = z.output<typeof caseCommandAnswer>;

/** The OpenAPI of a command on a beneficiary's case: its headers and every problem it may answer. */
export const ApiCaseCommand = (answer: { status: number; schema: z.ZodType }, rules: string): MethodDecorator =>
  applyDecorators(ApiTags('beneficiaries'), ApiCommand({ answer, notFound: 'BENEFICIARY_NOT_FOUND', rules }));

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
