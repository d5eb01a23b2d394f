import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { tracingEnabled } from './telemetry';
import { InMemoryTracing, startInMemoryTracing } from './testing/in-memory-tracing';
import {
  contextFromTraceparent,
  currentTraceContext,
  currentTraceId,
  extractFromHeaders,
  injectHeaders,
  tracer,
  withSpan,
} from './trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('trace context', () => {
  describe('with no SDK registered (telemetry off)', () => {
    it('has no current trace context and no trace id', () => {
      expect(currentTraceContext()).toEqual({});
      expect(currentTraceId()).toBeUndefined();
    });

    it('still passes a received traceparent on, so a hop without telemetry does not cut the trace', async () => {
      const parent = contextFromTraceparent(TRACEPARENT, 'vendor=abc');
      const headers = await withSpan('hop', SpanKind.PRODUCER, parent, {}, (_span, hop) => injectHeaders(hop));
      expect(headers).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    });
  });

  describe('with the SDK registered', () => {
    let tracing: InMemoryTracing;
    beforeAll(() => (tracing = startInMemoryTracing()));
    afterEach(() => tracing.reset());
    afterAll(() => tracing.stop());

    it('reads the active span as W3C traceparent and tracestate', () => {
      const span = tracer().startSpan('request');
      const fields = context.with(trace.setSpan(ROOT_CONTEXT, span), () => currentTraceContext());
      span.end();
      const { traceId, spanId } = span.spanContext();
      expect(fields).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    });

    it('continues a trace from a traceparent: the new span is its child', async () => {
      const traceId = await withSpan('child', SpanKind.CONSUMER, contextFromTraceparent(TRACEPARENT), { a: 1 }, () => currentTraceId());
      const child = tracing.span('child');
      expect(traceId).toBe(TRACE_ID);
      expect(child.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(child.kind).toBe(SpanKind.CONSUMER);
      expect(child.attributes).toEqual({ a: 1 });
    });

    it('round-trips through headers, including Kafka-style buffers', async () => {
      await withSpan('producer', SpanKind.PRODUCER, ROOT_CONTEXT, {}, async () => {
        const headers = injectHeaders();
        const buffers = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, Buffer.from(value)]));
        const extracted = trace.getSpanContext(extractFromHeaders(buffers));
        expect(extracted?.spanId).toBe(trace.getActiveSpan()?.spanContext().spanId);
        expect(extracted?.isRemote).toBe(true);
      });
    });

    it('starts a new trace when the traceparent is missing or malformed', async () => {
      for (const broken of [undefined, '', 'garbage', `00-${'0'.repeat(32)}-${SPAN_ID}-01`]) {
        await withSpan('root', SpanKind.INTERNAL, contextFromTraceparent(broken), {}, () => undefined);
      }
      expect(tracing.spans().map((span) => span.parentSpanContext)).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('records a failure on the span and rethrows it', async () => {
      await expect(
        withSpan('failing', SpanKind.INTERNAL, ROOT_CONTEXT, {}, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const failing = tracing.span('failing');
      expect(failing.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
      expect(failing.events.map((event) => event.name)).toEqual(['exception']);
    });
  });
});

describe('tracingEnabled', () => {
  it.each([
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' }, true],
    [{ OTEL_SDK_DISABLED: 'false' }, false],
  ])('%j → %s', (env, enabled) => expect(tracingEnabled(env)).toBe(enabled));
});
