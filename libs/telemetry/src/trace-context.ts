import {
  Attributes,
  Context,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  createTraceState,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';

/**
 * Trace context as it travels in event metadata and message headers, in the W3C format:
 * https://www.w3.org/TR/trace-context/ (`traceparent` = `version-traceid-parentid-flags`).
 */
export interface TraceContextFields {
  traceparent?: string;
  tracestate?: string;
}

/** The tracer every `@oriental/*` library uses for the spans it creates itself. */
export const tracer = () => trace.getTracer('@oriental/telemetry');

// We read and write the W3C format here rather than through the global propagator: when the
// SDK is off the global propagator is a no-op, and a hop with telemetry switched off would then
// drop the caller's context. Parsed by hand, the context passes through such a hop unchanged.
const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** `traceparent`/`tracestate` of the active span, for event metadata at append; empty when there is none. */
export const currentTraceContext = (active: Context = context.active()): TraceContextFields => {
  const spanContext = trace.getSpanContext(active);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const fields: TraceContextFields = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const tracestate = spanContext.traceState?.serialize();
  if (tracestate) fields.tracestate = tracestate;
  return fields;
};

/** Trace id of the active span, for structured logs; undefined when nothing is traced. */
export const currentTraceId = (): string | undefined => {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
};

/**
 * A context whose parent is the remote span named by `traceparent`; the root context when the
 * header is absent or malformed (a broken header must never fail the work it describes).
 */
export const contextFromTraceparent = (traceparent?: string, tracestate?: string, base: Context = ROOT_CONTEXT): Context => {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!match) return base;
  const [, traceId, spanId, flags] = match;
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return base;
  return trace.setSpanContext(base, {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  });
};

/** `traceparent`/`tracestate` headers for the span of `ctx` (the active context by default). */
export const injectHeaders = (ctx: Context = context.active()): Record<string, string> => {
  const { traceparent, tracestate } = currentTraceContext(ctx);
  return { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
};

/** Header values as transports hand them over: strings, buffers (Kafka), arrays or nothing. */
export type HeaderValue = string | Buffer | ReadonlyArray<string | Buffer> | null | undefined;

const headerText = (value: HeaderValue): string | undefined => {
  if (value === null || value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

/** The remote parent carried by message headers (the root context when there is none). */
export const extractFromHeaders = (headers: Record<string, HeaderValue> | undefined): Context =>
  contextFromTraceparent(headerText(headers?.traceparent), headerText(headers?.tracestate));

/**
 * Runs `fn` inside a new span (child of `parent`), made active so that spans of the work it
 * does (HTTP, database, nested messaging) join the same trace. Records a thrown error on the
 * span and rethrows it.
 */
export const withSpan = async <T>(
  name: string,
  kind: SpanKind,
  parent: Context,
  attributes: Attributes,
  fn: (span: Span, spanContext: Context) => Promise<T> | T,
): Promise<T> => {
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  // Handed to `fn` too: with telemetry off there is no context manager, so `context.active()`
  // inside `fn` is empty, while this context still names the (non-recording) span.
  const spanContext = trace.setSpan(parent, span);
  try {
    return await context.with(spanContext, () => fn(span, spanContext));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
};

/** Marks a span as failed with the error's message and stack. */
export const recordError = (span: Span, error: unknown): void => {
  const exception = error instanceof Error ? error : new Error(describe(error));
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
};

const describe = (value: unknown): string => {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

export { SpanKind } from '@opentelemetry/api';
