import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { issueToken, Role, ROLES } from '@oriental/service-kit';
import request from 'supertest';
import { CALLERS, concretePath, NetworkRoute, networkRoutes, startTestNetwork, TestNetwork } from './network-routes';

/** Values for path parameters that are not ids; ids exist nowhere, so no call reaches a real case. */
const PARAMETERS: Record<string, string> = { cellId: 'oujda', code: 'housing' };

const concrete = (path: string): string => concretePath(path, PARAMETERS);

describe('every route declares a policy, and the router enforces it for every role', () => {
  let test: TestNetwork;
  let network: TestNetwork['network'];
  let routes: NetworkRoute[];
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    test = await startTestNetwork('access-policy');
    network = test.network;
    routes = networkRoutes(network);
    for (const role of ROLES) tokens[role] = await issueToken(test.config, CALLERS[role]);
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('finds the routes of all four services', () => {
    expect(new Set(routes.map((route) => route.service))).toEqual(new Set(['intake', 'referral', 'capacity-building', 'reporting']));
    expect(routes.length).toBeGreaterThan(30);
  });

  it('has a policy on every route: a route without one fails here', () => {
    const without = routes.filter((route) => !route.policy).map((route) => `${route.service} ${route.method.toUpperCase()} ${route.path}`);
    expect(without).toEqual([]);
  });

  it('leaves only health, metrics and the certificate check public', () => {
    const open = routes.filter((route) => route.policy && 'public' in route.policy).map((route) => `${route.service} ${route.path}`);
    // A certificate's verification code is checked by whoever is shown it (an employer, a commune),
    // who holds no token of the network: GET /certificates/{code} answers the holder's initials,
    // the programme and the dates, nothing more (ADR 0014), throttled per address.
    // Health and metrics are polled by orchestrators and Prometheus on the private network; they
    // carry no personal data (route templates, counts, lags: docs/operations.md).
    const operations = ['intake', 'referral', 'capacity-building', 'reporting'].flatMap((service) =>
      ['/health', '/health/live', '/health/ready', '/metrics'].map((path) => `${service} ${path}`),
    );
    expect(new Set(open)).toEqual(new Set([...operations, 'capacity-building /certificates/:code']));
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

  it('appended nothing while walking: no call of the matrix reached a case, a referral, an access log or a training record', async () => {
    const store = network.services.find((service) => service.name === 'intake')!.app.get<EventStore>(EVENT_STORE);
    const { events } = await store.readAll({ maxCount: 10, streamPrefixes: ['beneficiary-', 'referral-', 'access-', 'programme-', 'session-', 'participant-'] });
    expect(events).toEqual([]);
  });
});
