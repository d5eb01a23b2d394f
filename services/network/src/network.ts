import { Logger, LoggerService } from '@nestjs/common';
import { capacityBuildingService } from '@oriental/capacity-building';
import { intakeService } from '@oriental/intake';
import { referralService } from '@oriental/referral';
import { reportingService } from '@oriental/reporting';
import {
  Clock,
  Infrastructure,
  JsonLogger,
  openBus,
  openEventStore,
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

/**
 * Rebuilds every read model of every service from the event store, in one pass over the log
 * (`npm run rebuild`). With the embedded read stores, stop the network first: each store file
 * has one owner.
 */
export const rebuildNetworkReadModels = async (
  config: ServiceConfig,
  onProgress?: (done: number) => void,
): Promise<{ events: number; readModels: string[] }> => {
  const eventStore = await openEventStore(config);
  const readStores = await Promise.all(
    networkServices.filter((definition) => definition.readModels).map((definition) => openReadStore(config, definition.name)),
  );
  try {
    const models = networkServices.filter((definition) => definition.readModels).flatMap((definition, index) => definition.readModels!(readStores[index]!, config));
    const { events } = await rebuildReadModels(eventStore, models, onProgress);
    return { events, readModels: models.map((model) => model.name) };
  } finally {
    await Promise.all(readStores.map((store) => store.close()));
    await eventStore.close();
  }
};
