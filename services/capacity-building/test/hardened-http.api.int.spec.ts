import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import request from 'supertest';
import { capacityBuildingService } from '../src/capacity-building.service';

const ALLOWED = 'https://app.oriental.example';

/** Security headers, CORS allow-list and rate limit, as `startService` sets them for every service. */
describe('hardened HTTP (capacity-building as the example)', () => {
  const started: { service: RunningService; dataDir: string }[] = [];
  const configs = new Map<RunningService, ServiceConfig>();

  const start = async (env: Record<string, string>): Promise<RunningService> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'capacity-building-hardened-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env });
    const service = await startService(capacityBuildingService, {
      config,
      infrastructure: await openInfrastructure(config, 'capacity-building'),
      port: 0,
      logger: new JsonLogger('capacity-building', 'error'),
    });
    started.push({ service, dataDir });
    configs.set(service, config);
    return service;
  };
  /** `Authorization` of a trainer (who may read cell activity) of the service's issuer; `subject` tells one trainer from another. */
  const trainer = async (service: RunningService, subject = 'trainer:1') => `Bearer ${await issueToken(configs.get(service)!, { role: 'trainer', subject })}`;

  afterAll(async () => {
    for (const { service, dataDir } of started) {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('given the defaults', () => {
    let service: RunningService;
    let authorization: string;
    beforeAll(async () => {
      service = await start({});
      authorization = await trainer(service);
    });

    it('answers with security headers and a CSP that loads nothing', async () => {
      const response = await request(service.url).get('/cells/activity').set('Authorization', authorization).expect(200);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it("relaxes the CSP for the Swagger UI only, to the page's own origin", async () => {
      const page = await request(service.url).get('/docs/').expect(200);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(page.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      // Every script of the page comes from this origin: the CSP lets the UI load.
      expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      await request(service.url).get('/docs/openapi.json').expect(200);
    });

    it('allows no cross-origin call', async () => {
      const preflight = await request(service.url)
        .options('/cells/activity')
        .set('Origin', ALLOWED)
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('documents 429 RATE_LIMITED on the API, not on /health', async () => {
      const { body } = await request(service.url).get('/docs/openapi.json').expect(200);
      expect(body.paths['/cells/activity'].get.responses['429'].description).toMatch(/RATE_LIMITED/);
      expect(body.paths['/health'].get.responses['429']).toBeUndefined();
    });
  });

  describe('given CORS_ORIGINS', () => {
    let service: RunningService;
    let authorization: string;
    beforeAll(async () => {
      service = await start({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
      authorization = await trainer(service);
    });

    it('answers a preflight from an allowed origin with the CORS headers: the bearer token and the purpose of a read among them, X-Actor no longer', async () => {
      const preflight = await request(service.url)
        .options('/beneficiaries/x/close')
        .set('Origin', ALLOWED)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key,if-match,x-purpose')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(preflight.headers['access-control-allow-methods']).toMatch(/POST/);
      const allowed = preflight.headers['access-control-allow-headers']?.toLowerCase().split(',') ?? [];
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'x-purpose', 'x-correlation-id']));
      expect(allowed).not.toContain('x-actor');
      expect(preflight.headers.vary).toMatch(/Origin/);
    });

    it('exposes ETag, Location and Idempotent-Replayed to an allowed origin', async () => {
      const response = await request(service.url).get('/cells/activity').set('Authorization', authorization).set('Origin', ALLOWED).expect(200);
      expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
      expect(response.headers['access-control-expose-headers']).toBe('ETag,Location,Idempotent-Replayed,Retry-After');
    });

    it('answers another origin without Access-Control-Allow-Origin', async () => {
      const preflight = await request(service.url)
        .options('/cells/activity')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const response = await request(service.url).get('/cells/activity').set('Authorization', authorization).set('Origin', 'https://evil.example').expect(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('refuses an origin that is not one (a path, a wildcard) at boot', () => {
      expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/CORS_ORIGINS/);
      expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    });
  });

  describe('given RATE_LIMIT_PER_MINUTE=3', () => {
    let service: RunningService;
    beforeAll(async () => {
      service = await start({ RATE_LIMIT_PER_MINUTE: '3' });
    });

    it('answers 429 RATE_LIMITED problem details with Retry-After past the limit, and never throttles /health', async () => {
      const authorization = await trainer(service, 'trainer:busy');
      for (let i = 0; i < 3; i += 1) await request(service.url).get('/cells/activity').set('Authorization', authorization).expect(200);
      const refused = await request(service.url).get('/cells/activity').set('Authorization', authorization).expect(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', type: 'urn:oriental:problem:rate-limited', instance: '/cells/activity' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

      for (let i = 0; i < 10; i += 1) await request(service.url).get('/health').expect(200);
    });

    it('counts each token subject apart: one caller past the limit does not exhaust another\'s share from the same address', async () => {
      const first = await trainer(service, 'trainer:first');
      for (let i = 0; i < 3; i += 1) await request(service.url).get('/cells/activity').set('Authorization', first).expect(200);
      await request(service.url).get('/cells/activity').set('Authorization', first).expect(429);
      await request(service.url).get('/cells/activity').set('Authorization', await trainer(service, 'trainer:second')).expect(200);
    });
  });

  describe('given RATE_LIMIT_PER_MINUTE=0', () => {
    it('never throttles', async () => {
      const service = await start({ RATE_LIMIT_PER_MINUTE: '0' });
      const authorization = await trainer(service);
      for (let i = 0; i < 20; i += 1) await request(service.url).get('/cells/activity').set('Authorization', authorization).expect(200);
    });
  });
});
