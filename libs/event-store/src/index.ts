import { ChainedLog, CheckpointStore, EventStore } from './event-store.port';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export * from './event-store.port';
export * from './hash-chain';
export * from './log-follower';
export * from './tokens';
export { SqliteEventStore, toChainedRecord } from './sqlite/sqlite-event-store';
export type { ChainedRecordRow, SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { KurrentDbEventStore, JOURNEY_PROJECTION } from './kurrentdb/kurrentdb-event-store';

export type EventStoreConfig = { kind: 'sqlite'; file: string } | { kind: 'kurrentdb'; url: string };

/** Opens the configured store: a SQLite file (created if missing), or a KurrentDB connection with its journey projection. */
export const createEventStore = async (config: EventStoreConfig): Promise<EventStore & CheckpointStore & ChainedLog> => {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteEventStore(config.file);
    case 'kurrentdb':
      return KurrentDbEventStore.connect(config.url);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown event store ${JSON.stringify(unknown)}`);
    }
  }
};
