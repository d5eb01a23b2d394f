import type * as SdkNode from '@opentelemetry/sdk-node';
import { context, propagation, trace } from '@opentelemetry/api';

export type ReadableSpan = SdkNode.tracing.ReadableSpan;

export interface InMemoryTracing {
  /** Spans ended so far, in the order they ended. */
  spans(): ReadableSpan[];
  /** The ended spans with this name (throws when there is none, so a missing span fails loudly). */
  span(name: string): ReadableSpan;
  reset(): void;
  /** Unregisters the provider, context manager and propagator. */
  stop(): Promise<void>;
}

/**
 * Records spans in memory for specs: registers a tracer provider with an AsyncLocalStorage
 * context manager (so the active span follows `await`s) and the W3C propagator, like the real
 * SDK does, but exports to an array. Jest gives every spec file its own globals, so one call per
 * file is enough.
 */
export const startInMemoryTracing = (): InMemoryTracing => {
  // The SDK re-exports the trace packages it ships with; going through it keeps us on the
  // versions package.json pins (sdk-node) instead of on transitive ones.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { node, tracing, core } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  provider.register({ propagator: new core.W3CTraceContextPropagator() });
  return {
    spans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const found = exporter.getFinishedSpans().find((span) => span.name === name);
      if (!found) throw new Error(`no span named "${name}" among: ${exporter.getFinishedSpans().map((span) => span.name).join(', ')}`);
      return found;
    },
    reset: () => exporter.reset(),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
};
