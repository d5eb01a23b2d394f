export * from './telemetry';
export * from './trace-context';
export * from './metrics';
// Test support: loads the trace SDK lazily, so importing it costs nothing in production.
export * from './testing/in-memory-tracing';
