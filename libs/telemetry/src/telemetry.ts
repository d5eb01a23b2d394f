import type * as SdkNode from '@opentelemetry/sdk-node';
import { startMetrics } from './metrics';

export type ShutdownTelemetry = () => Promise<void>;

type Env = Record<string, string | undefined>;

/**
 * The rule that switches tracing on, from the standard variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
 * tracing is ON when `OTEL_TRACES_EXPORTER` is set to something other than `none`
 * (`otlp`, `console`, `zipkin`), and `OTEL_SDK_DISABLED` is not `true`. Everything else is OFF:
 * the OTel API stays a no-op, nothing is patched, and no exporter module is even loaded.
 *
 * (The SDK's own default, exporting OTLP whenever it is started, would make a developer's
 * `npm start` try to reach a collector that is not there.)
 */
export const tracingEnabled = (env: Env = process.env): boolean => {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return exporters.length > 0 && !exporters.includes('none') && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
};

/**
 * Starts OpenTelemetry for one service process and answers a function that flushes and stops it.
 *
 * Call it BEFORE anything imports `@nestjs/*`, `express`, `http`, `mongoose` or `kafkajs`:
 * instrumentations work by patching those modules when they are first `require`d, so a module
 * loaded earlier stays unpatched and its spans are silently missing. Each service therefore has
 * a `tracing.ts` that calls this, and `main.ts` starts with `import './tracing';`.
 *
 * - exporters: from `OTEL_TRACES_EXPORTER` (`otlp` honours `OTEL_EXPORTER_OTLP_ENDPOINT`,
 *   `OTEL_EXPORTER_OTLP_PROTOCOL`…; `console` prints spans);
 * - service name: `OTEL_SERVICE_NAME` when set, else `serviceName`;
 * - propagation: W3C trace context only (https://www.w3.org/TR/trace-context/), the format
 *   event metadata and message headers carry;
 * - metrics are not the SDK's: they are always on, whatever these variables say, served by each
 *   service's `/metrics` from the MeterProvider `startMetrics` installs first (metrics.ts), so
 *   the SDK gets no metric reader (`OTEL_METRICS_EXPORTER` is not used) and registers none;
 * - the logs exporter stays off unless `OTEL_LOGS_EXPORTER` names one (the SDK would otherwise
 *   default it to OTLP as well).
 *
 * Kafka spans are not taken from `@opentelemetry/instrumentation-kafkajs`: the forwarder sends a
 * batch whose messages belong to different traces (each from the request that appended its
 * event), and that instrumentation overwrites every message's `traceparent` with a span of
 * whatever context is active at `send`, cutting each message off from its request. The
 * messaging library creates the `<topic> publish` / `<topic> process` spans itself instead,
 * the same way for Kafka and for the in-process bus.
 */
/** Polled by orchestrators and Prometheus: a span per poll would drown the traces. */
const UNTRACED = /^\/(health(\/(live|ready))?|metrics)(\?|$)/;

export const startTelemetry = (serviceName: string): ShutdownTelemetry => {
  // The SDK reads the same variables itself (exporters, endpoint, sampler), so only process.env makes sense here.
  const env = process.env;
  // Metrics first and always: before any library creates its instruments, and before the SDK.
  startMetrics();
  if (!tracingEnabled(env)) return async () => undefined;

  // Loaded only when tracing is on, so a process with telemetry off pays nothing for it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK, core } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { MongooseInstrumentation } = require('@opentelemetry/instrumentation-mongoose') as typeof import('@opentelemetry/instrumentation-mongoose');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || serviceName,
    textMapPropagator: new core.W3CTraceContextPropagator(),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED.test(request.url ?? '') }),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      new MongooseInstrumentation(),
    ],
    metricReaders: [],
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  return () => (stopped ??= sdk.shutdown());
};
