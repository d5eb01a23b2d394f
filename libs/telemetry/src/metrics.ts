import { Attributes, diag, Meter, metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * Metrics are always on, unlike tracing (`tracingEnabled`). Each process has one OpenTelemetry
 * `MeterProvider` registered as the global one, for the libraries' series (the messaging
 * library's dead letters and parked events), and each service a `MetricsRegistry` of its own
 * (below). Their only readers are Prometheus exporters that serve nothing by themselves
 * (`preventServerStart`): each service's `/metrics` route collects and answers the text.
 *
 * Libraries create their instruments through the global API (`metrics.getMeter('@oriental/…')`),
 * which has no proxy for meters: an instrument created before the provider is registered stays
 * a no-op. So this runs first: when this module is loaded (every library that measures imports
 * `@oriental/telemetry` before its own code runs), and again, idempotently, from `startTelemetry`
 * and every `MetricsRegistry`. Only meters whose name starts with
 * `@oriental/` are served: the HTTP instrumentation of a traced process (`OTEL_TRACES_EXPORTER`)
 * would otherwise add its own unlabelled series.
 */
interface MetricsRuntime {
  provider: MeterProvider;
  exporter: PrometheusExporter;
  serializer: PrometheusSerializer;
}

const RUNTIME = Symbol.for('@oriental/telemetry.metrics');
const OWN_SCOPES = '@oriental/';

type Holder = { [RUNTIME]?: MetricsRuntime };

/** Installs the process's MeterProvider (once) and answers it. */
export const startMetrics = (): MetricsRuntime => {
  const holder = globalThis as Holder;
  const existing = holder[RUNTIME];
  if (existing) return existing;
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({ readers: [exporter] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    // Another provider came first: the services' registries still record their own series, but
    // those libraries create through the global API go to that provider instead.
    diag.warn("@oriental/telemetry: a global MeterProvider was already registered; /metrics shows the services' own series, not the libraries'");
  }
  const runtime: MetricsRuntime = { provider, exporter, serializer: new PrometheusSerializer(undefined, false, undefined, true, true) };
  holder[RUNTIME] = runtime;
  return runtime;
};

/** Histogram boundaries in seconds, from 1 ms to 10 s: request and append latencies. */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Keep = (attributes: Attributes, metricName: string) => boolean;

/**
 * The series of one service: a MeterProvider of its own (its instruments, its observable
 * callbacks), so that scraping one service of a process that hosts four (the embedded default)
 * collects and writes that service's series only; plus those of the process's global provider
 * (libraries' series, e.g. dead letters) that `keepShared` says are this service's.
 */
export class MetricsRegistry {
  private readonly provider: MeterProvider;
  private readonly exporter: PrometheusExporter;

  /**
   * @param keepShared which data points of the shared (global) provider are this service's
   * @param sharedLabels added to those points (e.g. `{ service }`), so that every series this
   *   registry serves carries them, its own and the libraries' alike
   */
  constructor(
    private readonly keepShared: Keep,
    private readonly sharedLabels: Attributes = {},
  ) {
    startMetrics();
    this.exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
    this.provider = new MeterProvider({ readers: [this.exporter] });
  }

  meter(name: string): Meter {
    return this.provider.getMeter(name);
  }

  /**
   * The Prometheus text (format 0.0.4): one collection of this service's instruments (its
   * observable callbacks run once), then one of the process's shared instruments, of which only
   * the data points `keepShared` accepts are written.
   */
  async scrape(): Promise<string> {
    const { serializer, exporter: shared } = startMetrics();
    const [own, common] = await Promise.all([this.exporter.collect(), shared.collect()]);
    for (const error of [...own.errors, ...common.errors]) diag.error('@oriental/telemetry: collecting metrics', error);
    const texts = [own.resourceMetrics, filtered(common.resourceMetrics, this.keepShared, this.sharedLabels)]
      .filter((resourceMetrics) => resourceMetrics.scopeMetrics.some((scope) => scope.metrics.length > 0))
      .map((resourceMetrics) => serializer.serialize(resourceMetrics).trimEnd());
    return texts.length > 0 ? `${texts.join('\n')}\n` : '';
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

const filtered = (resourceMetrics: ResourceMetrics, keep: Keep, labels: Attributes): ResourceMetrics => ({
  resource: resourceMetrics.resource,
  scopeMetrics: resourceMetrics.scopeMetrics
    .filter(({ scope }) => scope.name.startsWith(OWN_SCOPES))
    .map((scopeMetrics) => ({
      ...scopeMetrics,
      metrics: scopeMetrics.metrics
        .map(
          (metric) =>
            ({
              ...metric,
              dataPoints: metric.dataPoints
                .filter((point) => keep(point.attributes, metric.descriptor.name))
                .map((point) => ({ ...point, attributes: { ...labels, ...point.attributes } })),
            }) as typeof metric,
        )
        .filter((metric) => metric.dataPoints.length > 0),
    })),
});

/** The content type of `MetricsRegistry.scrape`'s text (Express adds the charset). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4';

// On load: before any module that imports this one creates its instruments (see above).
startMetrics();
