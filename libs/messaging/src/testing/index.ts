// Test support for specs (uses jest globals): not exported from the library's main entry point.
export * from './builders';
export * from './in-memory-event-log';
export * from './messaging.contract';
export * from './forwarder.suite';
