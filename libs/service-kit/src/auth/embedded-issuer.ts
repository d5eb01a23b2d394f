import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT } from 'jose';
import { dataFile, ServiceConfig } from '../config';
import type { Role } from './principal';

/** The `iss` of the embedded issuer's tokens: not a URL, so no provider's token can pass for one. */
export const EMBEDDED_ISSUER = 'urn:oriental:embedded-issuer';
const ALGORITHM = 'EdDSA';

/** The signing key of the embedded default, generated once under DATA_DIR (mode 0600). */
export const issuerKeyFile = (config: ServiceConfig): string => dataFile(config, 'issuer.key.pem');

/**
 * Loads the issuer's key, creating it on first use. Several services of one network (or several
 * processes) may start at once: the key is written to a file of its own and linked into place,
 * which fails if another got there first, so every one ends up with the same key.
 */
export const loadIssuerKey = (config: ServiceConfig): { privateKey: KeyObject; publicKey: KeyObject } => {
  const file = issuerKeyFile(config);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${randomUUID()}`;
    writeFileSync(draft, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(draft, 0o600);
    try {
      linkSync(draft, file);
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError;
    } finally {
      rmSync(draft, { force: true });
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
};

export interface TokenRequest {
  role: Role;
  cellId?: string;
  province?: string;
  partnerId?: string;
  /** Default: the role and its scope, e.g. `cell_agent.nador`. */
  subject?: string;
  /** Default 8 hours: a working day. */
  ttlSeconds?: number;
}

/** A token of the embedded issuer, with the claims an OpenID Connect provider's mappers give (principal.ts). */
export const issueToken = async (config: ServiceConfig, request: TokenRequest): Promise<string> => {
  const { privateKey } = loadIssuerKey(config);
  const scope = request.cellId ?? request.province ?? request.partnerId;
  const subject = request.subject ?? (scope ? `${request.role}.${scope}` : request.role);
  return new SignJWT({
    realm_access: { roles: [request.role] },
    ...(request.cellId ? { cell_id: request.cellId } : {}),
    ...(request.province ? { province: request.province } : {}),
    ...(request.partnerId ? { partner_id: request.partnerId } : {}),
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(EMBEDDED_ISSUER)
    .setAudience(config.OIDC_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? 8 * 3600))
    .setJti(randomUUID())
    .sign(privateKey);
};
