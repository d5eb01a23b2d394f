import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ReferenceData } from '@oriental/reference-data';
import { Forbidden, Unauthenticated } from '../errors';
import { REFERENCE_DATA } from '../tokens';
import { AuthenticatedRequest, Policy, POLICY } from './policy';
import { NetworkClaims, principalFromClaims } from './principal';
import { TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = Symbol('TokenVerifier');

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/**
 * Runs first on every HTTP request: verifies the bearer token, turns it into the caller's
 * principal, and applies the route's policy. Fails closed: a route that declares no policy
 * answers 403 NO_POLICY to everyone. Consumers (@EventPattern) are not HTTP and pass.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const policy = this.reflector.getAllAndOverride<Policy | undefined>(POLICY, [context.getHandler(), context.getClass()]);
    if (policy && 'public' in policy) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.header('authorization');
    if (!header) throw new Unauthenticated('AUTHENTICATION_REQUIRED', 'A bearer token is required (Authorization: Bearer <token>)');
    const token = BEARER.exec(header)?.[1];
    if (!token) throw new Unauthenticated('TOKEN_INVALID', 'Authorization must be "Bearer " followed by a JWT');
    let claims: NetworkClaims;
    try {
      claims = (await this.verifier.verify(token)) as NetworkClaims;
    } catch (error) {
      throw new Unauthenticated('TOKEN_INVALID', `The bearer token was refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    const principal = principalFromClaims(claims, this.referenceData);
    if ('problem' in principal) throw new Unauthenticated('TOKEN_INVALID', `The bearer token was refused: ${principal.problem}`);
    request.principal = principal;

    if (!policy) throw new Forbidden('NO_POLICY', 'This route declares no access policy, so nobody may call it');
    if (!policy.roles.includes(principal.role)) {
      throw new Forbidden('ROLE_NOT_ALLOWED', `The ${principal.role} role may not use this route (only ${policy.roles.join(', ')})`);
    }
    return true;
  }
}
