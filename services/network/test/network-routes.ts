import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { JsonLogger, loadConfig, Role, RouteDescription, routesOf, ServiceConfig, TokenRequest } from '@oriental/service-kit';
import { RunningNetwork, startNetwork } from '../src/network';

/**
 * What the specs that walk every route of the embedded network share (the policy matrix, the
 * OpenAPI conformance walk, the fuzz): the network on a temporary DATA_DIR, its routes as the
 * Nest router of each app holds them (`routesOf`, the metadata bootstrap documents them from),
 * and one caller per role.
 */

export const SERVICES = ['intake', 'referral', 'capacity-building', 'reporting'] as const;

/** One caller per role, each with the scope its role needs (Oujda's cell and province). */
export const CALLERS: Record<Role, TokenRequest> = {
  cell_agent: { role: 'cell_agent', cellId: 'oujda' },
  cell_supervisor: { role: 'cell_supervisor', cellId: 'oujda' },
  provincial_coordinator: { role: 'provincial_coordinator', province: 'oujda-angad' },
  regional_coordinator: { role: 'regional_coordinator' },
  partner: { role: 'partner', partnerId: 'consulate-oujda' },
  trainer: { role: 'trainer' },
  auditor: { role: 'auditor' },
};

/** An id that exists nowhere. */
export const NOWHERE = '00000000-0000-4000-8000-000000000000';

export interface NetworkRoute extends RouteDescription {
  service: string;
}

/** Every HTTP route of every service of the running network, with its policy and what its parameters check. */
export const networkRoutes = (network: RunningNetwork): NetworkRoute[] =>
  network.services.flatMap((service) => routesOf(service.app).map((route) => ({ service: service.name, ...route })));

/** The roles a route lets through (none for a public route). */
export const allowedRoles = (route: RouteDescription): readonly Role[] => (route.policy && 'roles' in route.policy ? route.policy.roles : []);

export const describeRoute = (route: NetworkRoute): string => `${route.service} ${route.method.toUpperCase()} ${route.path}`;

/** `/beneficiaries/:id/close` with its parameters given (ids that exist nowhere by default). */
export const concretePath = (path: string, parameters: Record<string, string> = {}): string =>
  path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(parameters[name] ?? NOWHERE));

export interface TestNetwork {
  network: RunningNetwork;
  config: ServiceConfig;
  /** The one event store the four services share. */
  store: EventStore;
  stop(): Promise<void>;
}

/** The embedded network on a temporary DATA_DIR, every service on a free port, quiet logs, no rate limit unless `env` sets one. */
export const startTestNetwork = async (name: string, env: Record<string, string> = {}): Promise<TestNetwork> => {
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', ...env });
  const network = await startNetwork(config, {
    logger: (service) => new JsonLogger(service, 'error'),
    ports: Object.fromEntries(SERVICES.map((service) => [service, 0])),
  });
  return {
    network,
    config,
    store: network.services[0]!.app.get<EventStore>(EVENT_STORE),
    stop: async () => {
      await network.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** How far the log goes: the count of every event of every stream, and the last one's position. */
export const logHead = async (store: EventStore): Promise<{ events: number; last?: string }> => {
  let events = 0;
  let last: string | undefined;
  let after: Parameters<EventStore['readAll']>[0]['after'];
  for (;;) {
    const page = await store.readAll({ maxCount: 1000, ...(after !== undefined ? { after } : {}) });
    events += page.events.length;
    if (page.events.length > 0) last = String(page.events[page.events.length - 1]!.position);
    if (page.endOfLog || page.checkpoint === undefined || page.events.length === 0) return { events, ...(last !== undefined ? { last } : {}) };
    after = page.checkpoint;
  }
};
