import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { Unauthenticated } from '../errors';
import { ApiProblemResponse } from '../http/validation';
import type { Principal, Role } from './principal';

/**
 * What a route lets through. Every route declares one (`@Allow(...)` or `@Public()`): the
 * authentication guard refuses a route without (403 NO_POLICY), and the policy matrix spec
 * walks every route of every service, so a forgotten one fails the build before it ships.
 * A policy says which roles may call; which cases they see within it (their cell, their
 * province, their partner) is checked where the case is read, and answers 404.
 */
export type Policy = { public: true } | { roles: readonly Role[] };

export const POLICY = 'oriental:policy';

/** The roles that may call this route; every caller needs a valid bearer token. */
export const Allow = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(POLICY, { roles } satisfies Policy),
    ApiBearerAuth(),
    ApiProblemResponse(401, 'AUTHENTICATION_REQUIRED (no bearer token) or TOKEN_INVALID (signature, issuer, audience, expiry or claims); WWW-Authenticate says Bearer'),
    ApiProblemResponse(403, `ROLE_NOT_ALLOWED: only ${roles.join(', ')}; CELL_NOT_YOURS or PARTNER_NOT_YOURS when acting for another cell or partner`),
  );

/** No token needed: health probes only. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(POLICY, { public: true } satisfies Policy);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

export const principalOf = (request: AuthenticatedRequest): Principal => {
  if (!request.principal) throw new Unauthenticated('AUTHENTICATION_REQUIRED', 'A bearer token is required (Authorization: Bearer <token>)');
  return request.principal;
};

/** `@Caller() caller: Principal`: who calls, as their verified token says. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => principalOf(context.switchToHttp().getRequest<AuthenticatedRequest>()));
