import { Logger, LoggerService } from '@nestjs/common';
import { capacityBuildingService } from '@oriental/capacity-building';
import { intakeService } from '@oriental/intake';
import { referralService } from '@oriental/referral';
import { createReadStore } from '@oriental/read-store';
import { reportingService } from '@oriental/reporting';
import {
  Clock,
  ConfigurationError,
  Infrastructure,
  JsonLogger,
  openBus,
  openEventStore,
  openExistingEventStore,
  openInfrastructure,
  openReadStore,
  rebuildReadModels,
  RunningService,
  ServiceConfig,
  ServiceDefinition,
  startService,
} from '@oriental/service-kit';

export const networkServices: ServiceDefinition[] = [intakeService, referralService, capacityBuildingService, reportingService];

export interface RunningNetwork {
  services: RunningService[];
  urls: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The embedded default: the four services in one process, each on its own port, sharing one
 * SQLite event store and one in-process bus (each keeps its own read store, as it would in
 * its own process). Consumers start listening before any forwarder runs, so the in-process
 * bus never publishes to nobody.
 */
export const startNetwork = async (
  config: ServiceConfig,
  options: { clock?: Clock; logger?: (service: string) => LoggerService; ports?: Partial<Record<string, number>> } = {},
): Promise<RunningNetwork> => {
  const loggerFor = options.logger ?? ((service: string) => new JsonLogger(service, config.LOG_LEVEL));
  Logger.overrideLogger(loggerFor('network'));
  const shared = { eventStore: await openEventStore(config), ...(await openBus(config, 'network')) };
  const services: RunningService[] = [];
  try {
    for (const definition of networkServices) {
      const infrastructure: Infrastructure = await openInfrastructure(config, definition.name, shared);
      const port = options.ports?.[definition.name];
      services.push(
        await startService(definition, {
          config,
          infrastructure,
          ownsInfrastructure: false,
          startForwarder: false,
          logger: loggerFor(definition.name),
          ...(options.clock ? { clock: options.clock } : {}),
          ...(port !== undefined ? { port } : {}),
        }),
      );
    }
    for (const service of services) await service.startForwarder();
  } catch (error) {
    await Promise.allSettled(services.map((s) => s.stop()));
    await shared.bus.close();
    await shared.eventStore.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    services,
    urls: Object.fromEntries(services.map((s) => [s.name, s.url])),
    stop: () =>
      (stopping ??= (async () => {
        // Stop forwarders first (checkpoints stored), then every service, then what they shared.
        await Promise.all(services.map((s) => s.forwarder?.stop()));
        await Promise.all(services.map((s) => s.stop()));
        await shared.bus.close();
        await shared.eventStore.close();
      })()),
  };
};

/** A read model name `rebuildNetworkReadModels` does not know; `known` lists those it does. */
export class UnknownReadModel extends Error {
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(`no read model named ${unknown.join(', ')}; the read models are: ${known.join(', ')}`);
    this.name = 'UnknownReadModel';
  }
}

/** Each service that keeps read models, with their names: read from instances over a store in memory, so that naming them opens nothing under DATA_DIR. */
const readModelsByService = async (config: ServiceConfig): Promise<{ definition: ServiceDefinition; names: string[] }[]> => {
  const scratch = await createReadStore({ kind: 'memory' });
  try {
    return networkServices.flatMap((definition) => (definition.readModels ? [{ definition, names: definition.readModels(scratch, config).map((model) => model.name) }] : []));
  } finally {
    await scratch.close();
  }
};

/** The names of every service's read models, in the order a rebuild replays them: what `npm run rebuild -- <name>` takes. */
export const networkReadModelNames = async (config: ServiceConfig): Promise<string[]> => (await readModelsByService(config)).flatMap(({ names }) => names);

/**
 * Rebuilds read models of the network's services from the event store, in one pass over the
 * log (`npm run rebuild -- <read model>|--all`): every one, or those named (UnknownReadModel
 * for a name no service has; nothing is touched then). Each named model's collections are
 * emptied and replayed; the others are left as they are. With the embedded read stores, stop
 * the network first: each store file has one owner, and only the read stores of the services
 * whose models are rebuilt are opened.
 */
export const rebuildNetworkReadModels = async (
  config: ServiceConfig,
  { readModels: names, onProgress }: { readModels?: readonly string[]; onProgress?: (done: number) => void } = {},
): Promise<{ events: number; readModels: string[] }> => {
  const services = await readModelsByService(config);
  const known = services.flatMap(({ names: of }) => of);
  const unknown = (names ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UnknownReadModel(unknown, known);
  const wanted = (name: string) => names === undefined || names.includes(name);
  const owners = services.filter(({ names: of }) => of.some(wanted)).map(({ definition }) => definition);

  // A mistyped DATA_DIR would otherwise get an empty log, and read models rebuilt from nothing.
  const eventStore = await openExistingEventStore(config);
  if ('missing' in eventStore) throw new ConfigurationError([`no event store at ${eventStore.missing}: is DATA_DIR right?`]);
  const readStores = await Promise.all(owners.map((definition) => openReadStore(config, definition.name)));
  try {
    const models = owners.flatMap((definition, index) => definition.readModels!(readStores[index]!, config)).filter((model) => wanted(model.name));
    const { events } = await rebuildReadModels(eventStore, models, onProgress);
    return { events, readModels: models.map((model) => model.name) };
  } finally {
    await Promise.all(readStores.map((store) => store.close()));
    await eventStore.close();
  }
};
