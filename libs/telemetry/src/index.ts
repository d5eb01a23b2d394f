export * from './telemetry';
export * from './trace-context';
// Test support: loads the trace SDK lazily, so importing it costs nothing in production.
export * from './testing/in-memory-tracing';
