export * from './builders';
export * from './event-store.contract';
