export * from './read-store.port';
export { InvalidQueryError } from './read-store.errors';
export * from './tokens';
export * from './projection';
export * from './create-read-store';
export { EmbeddedReadStore, type EmbeddedReadStoreOptions } from './memory/embedded-read-store';
export { MongooseReadStore, type MongooseReadStoreOptions } from './mongodb/mongoose-read-store';
