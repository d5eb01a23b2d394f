import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, JWTPayload, jwtVerify } from 'jose';
import type { ServiceConfig } from '../config';
import { EMBEDDED_ISSUER, loadIssuerKey } from './embedded-issuer';

/** Checks a bearer token's signature, issuer, audience and lifetime; rejects with the reason. */
export interface TokenVerifier {
  verify(token: string): Promise<JWTPayload>;
}

/** Asymmetric algorithms only: `none` and shared-secret HMAC tokens are refused whatever the header says. */
const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

class EmbeddedVerifier implements TokenVerifier {
  constructor(
    private readonly key: KeyObject,
    private readonly config: ServiceConfig,
  ) {}

  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.key, {
      issuer: EMBEDDED_ISSUER,
      audience: this.config.OIDC_AUDIENCE,
      clockTolerance: this.config.OIDC_CLOCK_SKEW_SECONDS,
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'exp'],
    });
    return payload;
  }
}

/**
 * Tokens of an OpenID Connect provider: its JWKS found through the discovery document on first
 * use, then cached by jose (refetched when a token names a key it does not hold, so key rotation
 * at the provider needs no restart). A provider down at boot does not stop the service; its
 * requests answer 401 until it is back.
 */
class OidcVerifier implements TokenVerifier {
  private jwks?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(private readonly config: ServiceConfig & { OIDC_ISSUER: string }) {}

  private keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    this.jwks ??= (async () => {
      const discovery = `${this.config.OIDC_ISSUER.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(discovery, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`${discovery} answered ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
      if (!jwksUri) throw new Error(`${discovery} names no jwks_uri`);
      return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5_000 });
    })().catch((error: unknown) => {
      this.jwks = undefined; // try again on the next request
      throw error;
    });
    return this.jwks;
  }

  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, await this.keys(), {
      issuer: this.config.OIDC_ISSUER,
      audience: this.config.OIDC_AUDIENCE,
      clockTolerance: this.config.OIDC_CLOCK_SKEW_SECONDS,
      algorithms: ALGORITHMS,
      requiredClaims: ['sub', 'exp'],
    });
    return payload;
  }
}

/**
 * Remembers tokens already verified until they expire: a client sends the same token with every
 * request of its working day, and an EdDSA or RSA signature check costs more than the rest of a
 * read. Only a token that verified is remembered, by its whole text (signature included), and
 * its expiry is checked again at each use, with the same tolerance as the first check.
 */
export class RememberingVerifier implements TokenVerifier {
  private readonly verified = new Map<string, { payload: JWTPayload; until: number }>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly clockSkewSeconds: number,
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<JWTPayload> {
    const known = this.verified.get(token);
    if (known && this.now() < known.until) return known.payload;
    if (known) this.verified.delete(token);
    const payload = await this.verifier.verify(token);
    // requiredClaims: every verified token has an exp.
    const until = ((payload.exp as number) + this.clockSkewSeconds) * 1000;
    if (this.verified.size >= this.capacity) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { payload, until });
    return payload;
  }
}

export const tokenVerifierFor = (config: ServiceConfig): TokenVerifier => {
  const verifier = config.AUTH_MODE === 'oidc' ? new OidcVerifier(config as ServiceConfig & { OIDC_ISSUER: string }) : new EmbeddedVerifier(loadIssuerKey(config).publicKey, config);
  return new RememberingVerifier(verifier, config.OIDC_CLOCK_SKEW_SECONDS);
};
