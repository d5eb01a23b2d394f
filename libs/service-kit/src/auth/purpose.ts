import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { READ_PURPOSES, ReadPurpose } from '@oriental/contracts';
import type { Request } from 'express';
import { BadRequestHeaderError } from '../errors';

/*
 * Why personal data is read (law 09-08: purpose limitation). Every read of a person's record
 * states one in `X-Purpose`, from the fixed list of the access log's contract, and the access
 * log keeps it.
 */

export const readPurposeOf = (request: Request): ReadPurpose => {
  const purpose = request.header('x-purpose');
  if (!purpose) throw new BadRequestHeaderError('PURPOSE_REQUIRED', `Reading personal data needs an X-Purpose header: one of ${READ_PURPOSES.join(', ')}`);
  if (!(READ_PURPOSES as readonly string[]).includes(purpose)) {
    throw new BadRequestHeaderError('PURPOSE_INVALID', `X-Purpose must be one of ${READ_PURPOSES.join(', ')}`);
  }
  return purpose as ReadPurpose;
};

/** `@Purpose() purpose: ReadPurpose` on a route that opens personal data. */
export const Purpose = createParamDecorator((_: unknown, context: ExecutionContext): ReadPurpose => readPurposeOf(context.switchToHttp().getRequest<Request>()));

/** The OpenAPI of `X-Purpose` on a route that reads personal data. */
export const ApiReadPurpose = (): MethodDecorator =>
  applyDecorators(ApiHeader({ name: 'X-Purpose', required: true, description: 'Why the personal data is read; kept in the access log', schema: { type: 'string', enum: [...READ_PURPOSES] } }));
