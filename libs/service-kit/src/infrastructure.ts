import { mkdirSync } from 'node:fs';
import { CheckpointStore, createEventStore, EventStore } from '@oriental/event-store';
import { EventBus, InMemoryBus, KafkaEventBus } from '@oriental/messaging';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { dataFile, ServiceConfig } from './config';

/**
 * The adapters a service runs on, chosen by configuration and nowhere else:
 * EVENT_STORE=sqlite|kurrentdb, BUS=memory|kafka, READ_STORE=memory|mongodb.
 */
export interface Infrastructure {
  eventStore: EventStore & CheckpointStore;
  bus: EventBus;
  /** Set when BUS=memory: consumers subscribe to it through the in-memory Nest transport. */
  memoryBus?: InMemoryBus;
  readStore: ReadStore;
  kafkaBrokers?: string[];
}

/** Opens what one service process needs; `shared` lets the embedded host reuse one log and bus. */
export const openInfrastructure = async (
  config: ServiceConfig,
  service: string,
  shared: Partial<Pick<Infrastructure, 'eventStore' | 'bus' | 'memoryBus'>> = {},
): Promise<Infrastructure> => {
  mkdirSync(config.dataDir, { recursive: true });
  const eventStore =
    shared.eventStore ??
    (config.EVENT_STORE === 'kurrentdb'
      ? await createEventStore({ kind: 'kurrentdb', url: config.KURRENTDB_URL! })
      : await createEventStore({ kind: 'sqlite', file: dataFile(config, 'events.sqlite') }));

  const kafkaBrokers = config.KAFKA_BROKERS?.split(',');
  let bus = shared.bus;
  let memoryBus = shared.memoryBus;
  if (!bus) {
    if (config.BUS === 'kafka') {
      const kafka = new KafkaEventBus({ brokers: kafkaBrokers!, clientId: `${service}-producer` });
      await kafka.connect();
      bus = kafka;
    } else {
      memoryBus = memoryBus ?? new InMemoryBus();
      bus = memoryBus;
    }
  }

  const readStore =
    config.READ_STORE === 'mongodb'
      ? await createReadStore({ kind: 'mongodb', uri: config.MONGODB_URI!, dbName: `${config.MONGODB_DB}-${service}` })
      : await createReadStore({ kind: 'memory', file: dataFile(config, `${service}.read-models.sqlite`) });

  return { eventStore, bus, ...(memoryBus ? { memoryBus } : {}), readStore, ...(kafkaBrokers ? { kafkaBrokers } : {}) };
};
