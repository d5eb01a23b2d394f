import { chmodSync, mkdirSync } from 'node:fs';
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

/**
 * DATA_DIR holds personal data (sealed, but also the clear fields intake's rules need): its owner
 * alone may list or open it. Created 0700, and a directory made by an earlier version (or under a
 * permissive umask) tightened at every open. The stores create their files 0600 the same way.
 */
const openDataDir = (config: ServiceConfig): void => {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
};

export const openEventStore = async (config: ServiceConfig): Promise<EventStore & CheckpointStore> => {
  openDataDir(config);
  return config.EVENT_STORE === 'kurrentdb'
    ? createEventStore({ kind: 'kurrentdb', url: config.KURRENTDB_URL! })
    : createEventStore({ kind: 'sqlite', file: dataFile(config, 'events.sqlite') });
};

export const openBus = async (config: ServiceConfig, service: string): Promise<Pick<Infrastructure, 'bus' | 'memoryBus' | 'kafkaBrokers'>> => {
  if (config.BUS === 'kafka') {
    const kafkaBrokers = config.KAFKA_BROKERS!.split(',');
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: `${service}-producer`, topicPrefix: config.KAFKA_TOPIC_PREFIX });
    await bus.connect();
    return { bus, kafkaBrokers };
  }
  const memoryBus = new InMemoryBus();
  return { bus: memoryBus, memoryBus };
};

/** Each service has read models of its own: a database (MongoDB) or a file (embedded) per service. */
export const openReadStore = (config: ServiceConfig, service: string): Promise<ReadStore> => {
  openDataDir(config);
  return config.READ_STORE === 'mongodb'
    ? createReadStore({ kind: 'mongodb', uri: config.MONGODB_URI!, dbName: `${config.MONGODB_DB}-${service}` })
    : createReadStore({ kind: 'memory', file: dataFile(config, `${service}.read-models.sqlite`) });
};

/** Opens what one service process needs; `shared` lets the embedded host reuse one log and bus. */
export const openInfrastructure = async (
  config: ServiceConfig,
  service: string,
  shared: Partial<Pick<Infrastructure, 'eventStore' | 'bus' | 'memoryBus' | 'kafkaBrokers'>> = {},
): Promise<Infrastructure> => {
  const eventStore = shared.eventStore ?? (await openEventStore(config));
  const bus = shared.bus ? shared : await openBus(config, service);
  const readStore = await openReadStore(config, service);
  return {
    eventStore,
    bus: bus.bus!,
    ...(bus.memoryBus ? { memoryBus: bus.memoryBus } : {}),
    ...(bus.kafkaBrokers ? { kafkaBrokers: bus.kafkaBrokers } : {}),
    readStore,
  };
};
