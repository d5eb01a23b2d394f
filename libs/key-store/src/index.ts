export * from './key-store.port';
export * from './create-key-store';
export { SqliteKeyStore } from './sqlite/sqlite-key-store';
export { MongoKeyStore } from './mongodb/mongodb-key-store';
export type { MongoKeyStoreOptions } from './mongodb/mongodb-key-store';
export const KEY_STORE = Symbol('KeyStore');
