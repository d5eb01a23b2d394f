import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { CheckpointStore, createEventStore, EventStore } from '@oriental/event-store';
import { EventBus, InMemoryBus, KafkaEventBus, KafkaSecurity } from '@oriental/messaging';
import { createKeyStore, KeyStore } from '@oriental/key-store';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { dataFile, ServiceConfig } from './config';
import { kafkaSecurity } from './kafka-security';

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
  /** BUS=kafka: SASL and TLS for every Kafka client of the service (producer, consumer, admin). */
  kafkaSecurity?: KafkaSecurity;
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
    : createEventStore({ kind: 'sqlite', file: dataFile(config, EVENT_STORE_FILE) });
};

type BusParts = Pick<Infrastructure, 'bus' | 'memoryBus' | 'kafkaBrokers' | 'kafkaSecurity'>;

export const openBus = async (config: ServiceConfig, service: string): Promise<BusParts> => {
  if (config.BUS === 'kafka') {
    const kafkaBrokers = config.KAFKA_BROKERS!.split(',');
    const security = kafkaSecurity(config);
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: `${service}-producer`, topicPrefix: config.KAFKA_TOPIC_PREFIX, security });
    await bus.connect();
    return { bus, kafkaBrokers, kafkaSecurity: security };
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

/**
 * The key store of a service that keeps personal data (ADR 0012, 0014), opened by that service
 * alone, and by the backup and master-key tools: a SQLite file of its own
 * (`keyStoreFileOf(service)`), or a MongoDB database of its own (`keyStoreDatabaseOf`). Never a
 * read store, so no rebuild empties it. Intake's, the first, is the default.
 */
export const openKeyStore = (config: ServiceConfig, service = 'intake'): Promise<KeyStore> => {
  openDataDir(config);
  return config.KEY_STORE === 'mongodb'
    ? createKeyStore({ kind: 'mongodb', uri: config.MONGODB_URI!, dbName: keyStoreDatabaseOf(config, service) })
    : createKeyStore({ kind: 'sqlite', file: dataFile(config, keyStoreFileOf(service)) });
};

/** Intake's embedded key store's file name under DATA_DIR (the name it had when it was the only one). */
export const KEY_STORE_FILE = 'keys.sqlite';

/** A service's embedded key store's file name under DATA_DIR: `keys.sqlite` for intake, `<service>-keys.sqlite` for another. */
export const keyStoreFileOf = (service: string): string => (service === 'intake' ? KEY_STORE_FILE : `${service}-keys.sqlite`);

/** A service's key database: KEY_STORE_MONGODB_DB (default `<MONGODB_DB>-keys`) for intake, suffixed `-<service>` for another. */
export const keyStoreDatabaseOf = (config: ServiceConfig, service: string): string => {
  const intakes = config.KEY_STORE_MONGODB_DB ?? `${config.MONGODB_DB}-keys`;
  return service === 'intake' ? intakes : `${intakes}-${service}`;
};

/** The embedded event store's file name under DATA_DIR. */
export const EVENT_STORE_FILE = 'events.sqlite';

/** Opens what one service process needs; `shared` lets the embedded host reuse one log and bus. */
export const openInfrastructure = async (
  config: ServiceConfig,
  service: string,
  shared: Partial<Pick<Infrastructure, 'eventStore'> & BusParts> = {},
): Promise<Infrastructure> => {
  const eventStore = shared.eventStore ?? (await openEventStore(config));
  const bus = shared.bus ? shared : await openBus(config, service);
  const readStore = await openReadStore(config, service);
  return {
    eventStore,
    bus: bus.bus!,
    ...(bus.memoryBus ? { memoryBus: bus.memoryBus } : {}),
    ...(bus.kafkaBrokers ? { kafkaBrokers: bus.kafkaBrokers } : {}),
    ...(bus.kafkaSecurity ? { kafkaSecurity: bus.kafkaSecurity } : {}),
    readStore,
  };
};

/**
 * The event store of an existing network, for the read-only tools (journey, verify): opening a
 * SQLite file creates it, so an auditor who mistyped DATA_DIR would be shown an empty log, found
 * intact. `{ missing: path }` when there is none there.
 */
export const openExistingEventStore = async (config: ServiceConfig): Promise<(EventStore & CheckpointStore) | { missing: string }> => {
  const file = dataFile(config, 'events.sqlite');
  if (config.EVENT_STORE === 'sqlite' && !existsSync(file)) return { missing: file };
  return openEventStore(config);
};
