import type { KeyStore } from './key-store.port';
import { MongoKeyStore } from './mongodb/mongodb-key-store';
import { SqliteKeyStore } from './sqlite/sqlite-key-store';

export type KeyStoreConfig =
  /** Embedded default: a SQLite file of its own, `<DATA_DIR>/keys.sqlite`. */
  | { kind: 'sqlite'; file: string }
  | { kind: 'mongodb'; uri: string; dbName: string; serverSelectionTimeoutMS?: number };

/** Opens the key store a composition root chose. */
export const createKeyStore = async (config: KeyStoreConfig): Promise<KeyStore> => {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteKeyStore(config.file);
    case 'mongodb':
      return MongoKeyStore.connect(config);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown key store ${JSON.stringify(unknown)}`);
    }
  }
};
