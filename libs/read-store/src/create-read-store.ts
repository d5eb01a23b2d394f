import { EmbeddedReadStore } from './memory/embedded-read-store';
import { MongooseReadStore } from './mongodb/mongoose-read-store';
import type { ReadStore } from './read-store.port';

export type ReadStoreConfig =
  /** Embedded default: in memory, written through to `file` when given (SQLite). */
  | { kind: 'memory'; file?: string }
  | { kind: 'mongodb'; uri: string; dbName: string; serverSelectionTimeoutMS?: number };

/** Opens the read store a composition root chose; the only place adapters are named. */
export const createReadStore = async (config: ReadStoreConfig): Promise<ReadStore> => {
  switch (config.kind) {
    case 'memory':
      return EmbeddedReadStore.open(config.file === undefined ? {} : { file: config.file });
    case 'mongodb':
      return MongooseReadStore.connect(config);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown read store ${JSON.stringify(unknown)}`);
    }
  }
};
