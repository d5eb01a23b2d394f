import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { issueToken, JsonLogger, loadConfig, POLICY, Policy, Role, ROLES, ServiceConfig, TokenRequest } from '@oriental/service-kit';
import request from 'supertest';
import { RunningNetwork, startNetwork } from '../src/network';

/** One caller per role, each with the scope its role needs. */
const CALLERS: Record<Role, TokenRequest> = {
  cell_agent: { role: 'cell_agent', cellId: 'oujda' },
  cell_supervisor: { role: 'cell_supervisor', cellId: 'oujda' },
  provincial_coordinator: { role: 'provincial_coordinator', province: 'oujda-angad' },
  regional_coordinator: { role: 'regional_coordinator' },
  partner: { role: 'partner', partnerId: 'consulate-oujda' },
  trainer: { role: 'trainer' },
  auditor: { role: 'auditor' },
};

/** Values for path parameters: ids that exist nowhere, so no call reaches a real case. */
const PARAMETERS: Record<string, string> = { cellId: 'oujda', code: 'housing' };
const NOWHERE = '00000000-0000-4000-8000-000000000000';

interface Route {
  service: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  policy?: Policy;
}

/**
 * Every HTTP route of every service, as the Nest router of each running app holds it
 * (controllers of every module, their handlers' paths and methods) with its declared policy.
 */
const routesOf = (service: string, app: RunningNetwork['services'][number]['app']): Route[] => {
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue; // not a route (e.g. an @EventPattern handler)
        const policy = (Reflect.getMetadata(POLICY, handler) ?? Reflect.getMetadata(POLICY, controller)) as Policy | undefined;
        const full = `/${[base, path].map((part) => part.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`;
        routes.push({ service, method: RequestMethod[method].toLowerCase() as Route['method'], path: full, ...(policy ? { policy } : {}) });
      }
    }
  }
  return routes;
};

const concrete = (path: string): string => path.replace(/:(\w+)/g, (_, name: string) => PARAMETERS[name] ?? NOWHERE);

describe('every route declares a policy, and the router enforces it for every role', () => {
  let dataDir: string;
  let config: ServiceConfig;
  let network: RunningNetwork;
  let routes: Route[];
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'access-policy-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
    network = await startNetwork(config, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
    routes = network.services.flatMap((service) => routesOf(service.name, service.app));
    for (const role of ROLES) tokens[role] = await issueToken(config, CALLERS[role]);
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the routes of all four services', () => {
    expect(new Set(routes.map((route) => route.service))).toEqual(new Set(['intake', 'referral', 'capacity-building', 'reporting']));
    expect(routes.length).toBeGreaterThan(30);
  });

  it('has a policy on every route: a route without one fails here', () => {
    const without = routes.filter((route) => !route.policy).map((route) => `${route.service} ${route.method.toUpperCase()} ${route.path}`);
    expect(without).toEqual([]);
  });

  it('leaves only health public', () => {
    const open = routes.filter((route) => route.policy && 'public' in route.policy).map((route) => route.path);
    expect(new Set(open)).toEqual(new Set(['/health']));
  });

  it('answers 401 to a call without a token on every other route', async () => {
    for (const route of routes.filter((candidate) => candidate.policy && 'roles' in candidate.policy)) {
      const url = network.urls[route.service]!;
      const response = await request(url)[route.method](concrete(route.path)).set('Idempotency-Key', 'policy-matrix-no-token');
      expect({ route: `${route.method} ${route.path}`, status: response.status, code: response.body.code }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
        code: 'AUTHENTICATION_REQUIRED',
      });
    }
  });

  it('walks role × route: roles outside the policy get 403 ROLE_NOT_ALLOWED, the others get past it', async () => {
    const seen: string[] = [];
    for (const route of routes.filter((candidate) => candidate.policy && 'roles' in candidate.policy)) {
      const allowed = (route.policy as { roles: readonly Role[] }).roles;
      for (const role of ROLES) {
        const call = request(network.urls[route.service]!)[route.method](concrete(route.path))
          .set('Authorization', `Bearer ${tokens[role]}`)
          .set('Idempotency-Key', `policy-matrix-${role}-${route.method}-${route.path}`.slice(0, 190))
          .set('X-Purpose', 'audit');
        const response = await (route.method === 'get' ? call : call.send({}));
        const where = `${role} ${route.method.toUpperCase()} ${route.path}: ${response.status} ${response.body.code ?? ''}`;
        seen.push(where);
        if (allowed.includes(role)) {
          expect({ where, refused: response.status === 401 || response.body.code === 'ROLE_NOT_ALLOWED' || response.body.code === 'NO_POLICY' }).toEqual({ where, refused: false });
        } else {
          expect({ where, status: response.status, code: response.body.code }).toEqual({ where, status: 403, code: 'ROLE_NOT_ALLOWED' });
        }
        expect({ where, serverError: response.status >= 500 }).toEqual({ where, serverError: false });
      }
    }
    expect(seen.length).toBe(routes.filter((route) => route.policy && 'roles' in route.policy).length * ROLES.length);
  });

  it('appended nothing while walking: no call of the matrix reached a case, a referral or an access log', async () => {
    const store = network.services.find((service) => service.name === 'intake')!.app.get<EventStore>(EVENT_STORE);
    const { events } = await store.readAll({ maxCount: 10, streamPrefixes: ['beneficiary-', 'referral-', 'access-'] });
    expect(events).toEqual([]);
  });
});
