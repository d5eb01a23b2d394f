import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { ServiceProcess, describeWithInfra, freePort, startServiceProcess, stopGracefully } from '@oriental/testing';

/** The test-only password of every user of infra/keycloak/oriental-realm.json (infra/keycloak/README.md). */
const TEST_PASSWORD = 'test-only-password';

/**
 * Sign-in against the reference OpenID Connect provider: a real Keycloak serving the realm of
 * infra/keycloak/ (infra/local/keycloak-start.sh), a password grant for a test user, and intake
 * as its own process in AUTH_MODE=oidc, which checks the token against Keycloak's JWKS (issuer,
 * audience `oriental-api`, expiry) and reads the role and cell from the realm's mappers.
 */
describeWithInfra('keycloak', 'signing in with Keycloak (e2e)', (keycloakUrl) => {
  jest.setTimeout(90_000);
  const issuer = `${keycloakUrl}/realms/oriental`;
  let dataDir: string;
  let logFile: string;
  let intake: ServiceProcess | undefined;

  /** An access token from Keycloak's token endpoint, by the password grant of the public `oriental-cli` client. */
  const signIn = async (username: string): Promise<string> => {
    const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: 'oriental-cli', username, password: TEST_PASSWORD, scope: 'openid' }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!response.ok || !body.access_token) throw new Error(`Keycloak refused ${username}: ${response.status} ${body.error} ${body.error_description ?? ''}`);
    return body.access_token;
  };

  const claimsOf = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

  const register = (token: string | undefined, body: object) =>
    fetch(`${intake!.url}/beneficiaries`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `keycloak-sign-in-${randomBytes(6).toString('hex')}`,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  const read = (token: string | undefined, beneficiaryId: string) =>
    fetch(`${intake!.url}/beneficiaries/${beneficiaryId}`, {
      headers: { 'x-purpose': 'casework', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keycloak-sign-in-'));
    logFile = join(dataDir, 'intake.log');
    intake = await startServiceProcess(
      'intake',
      await freePort(),
      {
        DATA_DIR: join(dataDir, 'data'),
        PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
        AUTH_MODE: 'oidc',
        OIDC_ISSUER: issuer,
        OIDC_AUDIENCE: 'oriental-api',
        LOG_LEVEL: 'warn',
      },
      logFile,
    );
  });

  afterAll(async () => {
    if (intake && intake.child.exitCode === null) await stopGracefully(intake);
    if (process.env.KEEP_E2E_LOGS) process.stderr.write(readFileSync(logFile, 'utf8'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives tokens with the claims the services read', async () => {
    const claims = claimsOf(await signIn('agent-oujda'));
    expect(claims).toMatchObject({
      iss: issuer,
      aud: 'oriental-api',
      sub: expect.any(String),
      exp: expect.any(Number),
      realm_access: { roles: expect.arrayContaining(['cell_agent']) },
      cell_id: 'oujda',
      province: 'oujda-angad',
    });
    expect(claimsOf(await signIn('partner-anapec'))).toMatchObject({ realm_access: { roles: ['partner'] }, partner_id: 'anapec-oriental' });
  });

  describe('an Oujda cell agent signed in with Keycloak', () => {
    let oujda: string;
    let beneficiaryId: string;

    beforeAll(async () => {
      oujda = await signIn('agent-oujda');
    });

    it('registers a beneficiary in Oujda (201) and reads the case back', async () => {
      const registered = await register(oujda, aRegistrationBody({ cellId: 'oujda' }));
      expect(registered.status).toBe(201);
      beneficiaryId = ((await registered.json()) as { beneficiaryId: string }).beneficiaryId;

      const answer = await read(oujda, beneficiaryId);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ beneficiaryId, cellId: 'oujda', personalData: 'present' });
    });

    it('answers 401 without a token, for a write and for a read', async () => {
      expect((await register(undefined, aRegistrationBody({ cellId: 'oujda' }))).status).toBe(401);
      expect((await read(undefined, beneficiaryId)).status).toBe(401);
    });

    it('answers 401 to a token whose signature does not match', async () => {
      const [header, payload] = oujda.split('.');
      expect((await read(`${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`, beneficiaryId)).status).toBe(401);
    });

    it('answers 404 to a Nador cell agent reading the Oujda beneficiary, as if it did not exist', async () => {
      const answer = await read(await signIn('agent-nador'), beneficiaryId);
      expect(answer.status).toBe(404);
      expect(JSON.stringify(await answer.json())).not.toMatch(/oujda|Amina|Benali/i);
    });
  });
});
