import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Topics } from '@oriental/contracts';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, loadConfig, ServiceDefinition } from '@oriental/service-kit';
import { ServiceProcess, describeWithInfra, eventually, freePort, startServiceProcess, stopGracefully } from '@oriental/testing';
import { networkServices } from '../src/network';

/** A span as Jaeger's query API answers it (GET /api/traces/<id>). */
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  tags?: { key: string; value: unknown }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** Anything Nest takes in `imports`: a module class, or a dynamic module naming one. */
type ModuleRef = { module?: unknown; imports?: unknown[]; controllers?: unknown[] } | (abstract new (...args: never[]) => unknown);

/** The controllers of a module and of every module it imports, read from Nest's metadata. */
const controllersOf = (root: unknown, seen = new Set<unknown>()): object[] => {
  if (!root || seen.has(root)) return [];
  seen.add(root);
  const ref = root as ModuleRef;
  const type = typeof ref === 'function' ? ref : ref.module;
  const own = (key: string, dynamic?: unknown[]): unknown[] => [...((type && Reflect.getMetadata(key, type as object)) ?? []), ...(dynamic ?? [])];
  const dynamic = typeof ref === 'function' ? {} : ref;
  return [
    ...(own(MODULE_METADATA.CONTROLLERS, dynamic.controllers) as object[]),
    ...own(MODULE_METADATA.IMPORTS, dynamic.imports).flatMap((imported) => controllersOf(imported, seen)),
  ];
};

/** Whether any `@EventPattern` / `@MessagePattern` handler of the controller listens to `topic`. */
const handles = (controller: object, topic: string): boolean => {
  const prototype = (controller as { prototype: object }).prototype;
  return Object.getOwnPropertyNames(prototype).some((name) => {
    const patterns = Reflect.getMetadata(PATTERN_METADATA, (prototype as Record<string, object>)[name]!) as unknown[] | undefined;
    return (patterns ?? []).includes(topic);
  });
};

/** The consumer group of every service that has a handler for `topic`: who must show a process span. */
const consumerGroupsOf = (topic: string, services: readonly ServiceDefinition[]): string[] =>
  services.filter((service) => service.consumerGroup && controllersOf(service.module).some((controller) => handles(controller, topic))).map((service) => service.consumerGroup!);

const tag = (span: JaegerSpan, key: string): unknown => span.tags?.find((t) => t.key === key)?.value;

/**
 * Real traces: the four services as their own processes over real Kafka, each exporting its
 * spans over OTLP to a real Jaeger all-in-one (infra/local/jaeger-start.sh). One registration,
 * sent with a traceparent this spec chose, must come back from Jaeger's query API as ONE trace
 * holding intake's POST server span, the event store append under it, the forwarder's
 * `<topic> publish` span, and the `<topic> process` CONSUMER span of every consumer group of
 * intake's topic, each the child of that publish span (a consumer's batch continues its first
 * message's trace, and here every batch holds this request's messages only).
 */
describeWithInfra('jaeger', 'real traces over OTLP to Jaeger (e2e)', (jaegerUrl) => {
  describeWithInfra('kafka', 'over Kafka, the services as separate processes', (brokers) => {
    jest.setTimeout(240_000);
    const run = `traces${Date.now()}${randomBytes(3).toString('hex')}`;
    const otlpEndpoint = process.env.JAEGER_OTLP_ENDPOINT || 'http://127.0.0.1:4318';
    const topic = Topics.intake;
    const consumerGroups = consumerGroupsOf(topic, networkServices);
    let dataDir: string;
    let logFile: string;
    const services: Record<string, ServiceProcess> = {};
    let token: string;

    const fetchTrace = async (traceId: string): Promise<JaegerTrace[]> => {
      const response = await fetch(`${jaegerUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'traces-'));
      logFile = join(dataDir, 'services.log');
      const env = {
        DATA_DIR: join(dataDir, 'data'),
        EVENT_STORE: 'sqlite',
        BUS: 'kafka',
        KAFKA_BROKERS: brokers,
        // Topics of its own: no earlier run's messages can share a batch with this one's.
        KAFKA_TOPIC_PREFIX: `${run}.`,
        PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
        // Tracing on (libs/telemetry: tracingEnabled), OTLP over HTTP to Jaeger, exported within 200 ms.
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // Each service names itself (startTelemetry): a name set in the caller's shell must not win.
        OTEL_SERVICE_NAME: '',
        OTEL_RESOURCE_ATTRIBUTES: `oriental.test.run=${run}`,
      };
      token = await issueToken(loadConfig(env), { role: 'cell_agent', cellId: 'oujda' });
      // One after the other: four processes loading the SDK at once on a busy machine can miss
      // the 60 s a start is given.
      for (const { name } of networkServices) services[name] = await startServiceProcess(name, await freePort(), env, logFile);
    });

    afterAll(async () => {
      await Promise.all(Object.values(services).filter((p) => p.child.exitCode === null).map((p) => stopGracefully(p)));
      if (process.env.KEEP_E2E_LOGS) process.stderr.write(readFileSync(logFile, 'utf8'));
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${join(dataDir, 'data')}.master.key`, { force: true });
    });

    it('finds every consumer of intake’s topic in the services’ modules', () => {
      // The list the trace is checked against comes from the code, so a new consumer joins it by
      // itself; these four have an @EventPattern(Topics.intake) today.
      expect(consumerGroups).toEqual(expect.arrayContaining(['intake', 'referral', 'capacity-building', 'reporting']));
    });

    it('puts the POST, the append, the publish and every consumer’s process span in one trace', async () => {
      const traceId = randomBytes(16).toString('hex');
      const callerSpanId = randomBytes(8).toString('hex');
      const response = await fetch(`${services.intake!.url}/beneficiaries`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `${run}-registration`,
          authorization: `Bearer ${token}`,
          traceparent: `00-${traceId}-${callerSpanId}-01`,
        },
        body: JSON.stringify(aRegistrationBody({ cellId: 'oujda', consent: { services: true, sharing: true, statistics: true } })),
      });
      expect(response.status).toBe(201);

      const missing = (traces: JaegerTrace[]): string[] => {
        if (traces.length !== 1) return [`one trace ${traceId} (Jaeger has ${traces.length})`];
        const { spans, processes } = traces[0]!;
        const byId = new Map(spans.map((span) => [span.spanID, span]));
        const service = (span: JaegerSpan) => processes[span.processID]?.serviceName;
        // The parent is a CHILD_OF reference; Jaeger shows a parent that is also a link (a
        // consumer's batch span links the message it continues) as one FOLLOWS_FROM reference.
        const parentOf = (span: JaegerSpan): string | undefined => {
          const references = (span.references ?? []).filter((ref) => ref.traceID === traceId);
          return (references.find((ref) => ref.refType === 'CHILD_OF') ?? references[0])?.spanID;
        };
        const descendsFrom = (span: JaegerSpan, ancestor: JaegerSpan): boolean => {
          let parent = parentOf(span);
          for (let hops = 0; parent && hops < 50; hops++) {
            if (parent === ancestor.spanID) return true;
            const next = byId.get(parent);
            parent = next && parentOf(next);
          }
          return false;
        };
        const gaps: string[] = [];
        const post = spans.find((span) => service(span) === 'intake' && tag(span, 'span.kind') === 'server' && parentOf(span) === callerSpanId);
        if (!post) return ['intake’s HTTP server span, child of the caller’s traceparent'];
        if (![tag(post, 'http.request.method'), tag(post, 'http.method')].includes('POST')) gaps.push(`the server span ${post.operationName} is not a POST`);
        const append = spans.find((span) => service(span) === 'intake' && span.operationName === 'beneficiary append');
        if (!append) gaps.push('intake’s `beneficiary append` span');
        else if (!descendsFrom(append, post)) gaps.push('the append span under the POST span');
        const publishes = spans.filter((span) => service(span) === 'intake' && span.operationName === `${topic} publish` && tag(span, 'span.kind') === 'producer');
        if (publishes.length === 0) gaps.push(`intake’s \`${topic} publish\` PRODUCER span`);
        else if (!publishes.every((span) => descendsFrom(span, post))) gaps.push('the publish spans under the POST span');
        for (const group of consumerGroups) {
          const processing = spans.find(
            (span) =>
              span.operationName === `${topic} process` && tag(span, 'span.kind') === 'consumer' && tag(span, 'messaging.consumer.group.name') === group && service(span) === group,
          );
          if (!processing) gaps.push(`the \`${topic} process\` CONSUMER span of ${group}`);
          else if (!publishes.some((publish) => parentOf(processing) === publish.spanID)) gaps.push(`${group}’s process span as the child of a publish span`);
        }
        return gaps;
      };

      let traces: JaegerTrace[] = [];
      await eventually(
        async () => {
          traces = await fetchTrace(traceId);
          expect(missing(traces)).toEqual([]);
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      // Printed for whoever reads the run: what a registration's trace holds.
      const { spans, processes } = traces[0]!;
      console.log(
        `trace ${traceId}: ${spans.length} spans\n${spans
          .map((span) => `  ${processes[span.processID]?.serviceName}: ${span.operationName} (${tag(span, 'span.kind') ?? 'internal'})`)
          .sort()
          .join('\n')}`,
      );
    });
  });
});
