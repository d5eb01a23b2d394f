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

export const tokenVerifierFor = (config: ServiceConfig): TokenVerifier => {
  if (config.AUTH_MODE === 'oidc') return new OidcVerifier(config as ServiceConfig & { OIDC_ISSUER: string });
  return new EmbeddedVerifier(loadIssuerKey(config).publicKey, config);
};
