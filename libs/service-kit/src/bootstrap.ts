import { DynamicModule, ExecutionContext, INestApplication, Injectable, LoggerService, Module, Provider, Type } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { StoredEvent } from '@oriental/contracts';
import { EVENT_STORE } from '@oriental/event-store';
import { BusMessage, EVENT_BUS, Forwarder, InMemoryTransport, kafkaMicroserviceOptions, PassErrorsToTransport } from '@oriental/messaging';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { loadReferenceData, ReferenceData } from '@oriental/reference-data';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { AuthenticatedRequest, AuthenticationGuard, TOKEN_VERIFIER, TokenVerifier, tokenVerifierFor } from './auth';
import { Clock, systemClock } from './clock';
import { CommandExecutor } from './command-executor';
import { ServiceConfig, urlHost } from './config';
import { HealthController, ServiceStatus } from './health.controller';
import { JsonBodyGuard } from './http/json-body.guard';
import { drainConnections } from './http/draining';
import { methodNotAllowed } from './http/method-not-allowed';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { completeOpenApiDocument } from './http/openapi-document';
import { routesOf } from './http/routes';
import { strictValidationPipe } from './http/validation';
import { Infrastructure } from './infrastructure';
import { JsonLogger } from './json-logger';
import { MetricsController } from './metrics/metrics.controller';
import { ServiceMetrics } from './metrics/service-metrics';
import type { ReadModel } from './read-model';
import { consumingInScope, inServiceScope } from './service-scope';
import { CLOCK, COMMAND_EXECUTOR, REFERENCE_DATA, SERVICE_CONFIG, SERVICE_METRICS, SERVICE_STATUS } from './tokens';

/** What makes one of the four services: its module, its port and what it publishes and consumes. */
export interface ServiceDefinition {
  name: string;
  title: string;
  description: string;
  module: Type<unknown>;
  port(config: ServiceConfig): number;
  /** The events this service owns, forwarded from the store's log to its topic. */
  forwarder?: { streamPrefixes: string[]; toMessage(event: StoredEvent): BusMessage | null };
  /** Consumer group of its @EventPattern handlers, when it has any. */
  consumerGroup?: string;
  /** Its read models, for rebuilds (the module builds its own for the live consumers). */
  readModels?(readStore: ReadStore, config: ServiceConfig): ReadModel[];
}

export interface RunningService {
  name: string;
  app: INestApplication;
  url: string;
  forwarder?: Forwarder;
  startForwarder(): Promise<void>;
  /** Stops taking requests, finishes those in flight, stores checkpoints, closes the adapters it owns. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: ServiceConfig;
  infrastructure: Infrastructure;
  /** Adapters shared with other services in this process are closed by their owner, not here. */
  ownsInfrastructure?: boolean;
  clock?: Clock;
  referenceData?: ReferenceData;
  logger?: LoggerService;
  /** Default: the embedded issuer's key under DATA_DIR, or the OIDC provider's JWKS (AUTH_MODE). */
  tokenVerifier?: TokenVerifier;
  /** The embedded host starts forwarders once every consumer listens; a lone service at once. */
  startForwarder?: boolean;
  port?: number;
}

/** The composition root of one service: its feature module, health, and the adapters as globals. */
@Module({})
class ServiceRootModule {}

const rootModuleFor = (definition: ServiceDefinition, providers: Provider[], config: ServiceConfig): DynamicModule => ({
  module: ServiceRootModule,
  global: true,
  imports: [definition.module, TerminusModule.forRoot({ errorLogStyle: 'json' }), ...rateLimit(config).imports],
  controllers: [HealthController, MetricsController],
  // Guards run in this order: who calls (401/403) before how often they call (429, keyed by token).
  providers: [...providers, { provide: APP_GUARD, useClass: AuthenticationGuard }, ...rateLimit(config).providers],
  exports: providers.map((provider) => (provider as { provide: unknown }).provide as symbol),
});

/**
 * The hardening every service gets, set here and nowhere else: security headers, the CORS
 * allow-list and the rate limit. Their settings come from the configuration (`config.ts`).
 */

/**
 * RATE_LIMIT_PER_MINUTE requests a minute per token subject, 0 turning it off: the guard runs
 * after authentication, so one user cannot exhaust another's share from the same office NAT.
 * Requests without a valid token never get this far (401); `/health` is exempt
 * (`@SkipThrottle()` on the controller). 429 answers RATE_LIMITED with Retry-After.
 */
@Injectable()
class PerTokenThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as unknown as AuthenticatedRequest).principal;
    return principal ? `subject:${principal.subject}` : `ip:${String(request.ip)}`;
  }

  /**
   * One count per client across the service's routes. The throttler's own key names the route
   * too, so a client had RATE_LIMIT_PER_MINUTE requests a minute on each route (25 routes of
   * intake: 25 times the limit), and one refused on a read could still post commands.
   */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }
}

const rateLimit = (config: ServiceConfig): { imports: DynamicModule[]; providers: Provider[] } =>
  config.RATE_LIMIT_PER_MINUTE === 0
    ? { imports: [], providers: [] }
    : {
        imports: [ThrottlerModule.forRoot({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }] })],
        providers: [{ provide: APP_GUARD, useClass: PerTokenThrottlerGuard }],
      };

/**
 * Security headers for a JSON API: a CSP that lets nothing load or frame the answers
 * (`default-src 'none'`), plus helmet's other defaults (nosniff, HSTS, no referrer, CORP…).
 * The Swagger UI under /docs is an HTML page with its own scripts, styles and images from this
 * origin: it gets helmet's default CSP (`'self'`), the only path where the policy is relaxed.
 */
const securityHeaders = (): ((request: Request, response: Response, next: NextFunction) => void) => {
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  });
  // Without upgrade-insecure-requests: on plain http (a laptop, the compose run) it would send the page's assets to https.
  const docs = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  return (request, response, next) => (isDocs(request.path) ? docs : api)(request, response, next);
};

const isDocs = (path: string): boolean => path === '/docs' || path.startsWith('/docs/');

/**
 * Cross-origin calls from the CORS_ORIGINS allow-list only (none by default). Other origins get
 * no Access-Control-Allow-Origin, so browsers refuse them; clients that are not browsers are
 * not concerned. The headers are those the commands read and answer.
 */
const corsOptions = (config: ServiceConfig) => ({
  origin: config.CORS_ORIGINS,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Accept', 'Authorization', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'X-Purpose', 'X-Correlation-Id', 'traceparent'],
  exposedHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After'],
  maxAge: 600,
});

/**
 * Starts a service, then stops it, in its own scope (service-scope.ts): with several services in
 * one process, each log line names the service that wrote it.
 */
export const startService = async (definition: ServiceDefinition, options: StartOptions): Promise<RunningService> => {
  const inScope = <T>(work: () => T): T => inServiceScope(definition.name, work);
  const running = await inScope(() => startServiceInScope(definition, { ...options, infrastructure: consumingInScope(options.infrastructure, definition.name) }));
  return { ...running, startForwarder: () => inScope(running.startForwarder), stop: () => inScope(running.stop) };
};

const startServiceInScope = async (definition: ServiceDefinition, options: StartOptions): Promise<RunningService> => {
  const { config, infrastructure } = options;
  const logger = options.logger ?? new JsonLogger(definition.name, config.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  const referenceData = options.referenceData ?? loadReferenceData(config.REFERENCE_DATA_DIR);
  const status = new ServiceStatus(definition.name);
  // Always on (docs/operations.md#metrics): the service's own registry, served on /metrics.
  const metrics = new ServiceMetrics({
    service: definition.name,
    status,
    eventStore: infrastructure.eventStore,
    ...(definition.consumerGroup ? { consumerGroup: definition.consumerGroup } : {}),
    ...(infrastructure.memoryBus ? { memoryBus: infrastructure.memoryBus } : {}),
    ...(!infrastructure.memoryBus && infrastructure.kafkaBrokers
      ? { kafka: { brokers: infrastructure.kafkaBrokers, ...(infrastructure.kafkaSecurity ? { security: infrastructure.kafkaSecurity } : {}), topicPrefix: config.KAFKA_TOPIC_PREFIX } }
      : {}),
  });
  const eventStore = metrics.timedEventStore(infrastructure.eventStore);

  const root = rootModuleFor(definition, [
    { provide: SERVICE_CONFIG, useValue: config },
    { provide: EVENT_STORE, useValue: eventStore },
    { provide: EVENT_BUS, useValue: infrastructure.bus },
    { provide: READ_STORE, useValue: infrastructure.readStore },
    { provide: CLOCK, useValue: clock },
    { provide: REFERENCE_DATA, useValue: referenceData },
    { provide: SERVICE_STATUS, useValue: status },
    { provide: SERVICE_METRICS, useValue: metrics },
    { provide: COMMAND_EXECUTOR, useValue: new CommandExecutor(eventStore) },
    { provide: TOKEN_VERIFIER, useValue: options.tokenVerifier ?? tokenVerifierFor(config) },
  ], config);

  // rawBody: JsonBodyGuard reads the text as sent (duplicate keys, depth); the parsers and their limits stay Nest's.
  const app = await NestFactory.create(root, { logger, abortOnError: false, rawBody: true });
  const draining = drainConnections(app.getHttpServer() as Server);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalGuards(new JsonBodyGuard());
  app.useGlobalPipes(strictValidationPipe());
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  // First, so that every answer is counted, refusals included.
  app.use(metrics.http());
  app.use(securityHeaders());
  app.enableCors(corsOptions(config));
  const routes = routesOf(app);
  app.use(methodNotAllowed(routes));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(definition.title).setDescription(definition.description).setVersion('1').build(),
  );
  // What every route of a kind answers, from what its guards and pipes check (http/openapi-document.ts).
  completeOpenApiDocument(document, routes);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  if (definition.consumerGroup) {
    // Dead letters in-process go to the event store (stream dead-letters-<group>), over Kafka to <topic>.dlq.
    const consumer = app.connectMicroservice(
      infrastructure.memoryBus
        ? {
            strategy: new InMemoryTransport(infrastructure.memoryBus, definition.consumerGroup, {
              deadLetters: infrastructure.eventStore,
              logger: { error: (m: string) => logger.error(m, 'dead-letters'), warn: (m: string) => logger.warn(m, 'dead-letters') },
            }),
          }
        : kafkaMicroserviceOptions({
            brokers: infrastructure.kafkaBrokers ?? [],
            clientId: definition.name,
            groupId: definition.consumerGroup,
            topicPrefix: config.KAFKA_TOPIC_PREFIX,
            security: infrastructure.kafkaSecurity,
          }),
      { deferInitialization: true },
    );
    // The transport, not Nest's default filter, decides what a handler's error means (retry or
    // dead letter). A filter must be set before the consumer registers its handlers, hence the
    // deferred initialisation; the modules' init hooks already ran with the HTTP app.
    consumer.useGlobalFilters(new PassErrorsToTransport());
    (consumer as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
    await app.startAllMicroservices();
  }

  const port = options.port ?? definition.port(config);
  await app.listen(port, config.HOST);
  const url = `http://${urlHost(config.HOST)}:${(app.getHttpServer().address() as { port: number }).port}`;

  let forwarder: Forwarder | undefined;
  if (definition.forwarder) {
    forwarder = new Forwarder({
      name: `${definition.name}-forwarder`,
      store: infrastructure.eventStore,
      checkpoints: infrastructure.eventStore,
      bus: infrastructure.bus,
      streamPrefixes: definition.forwarder.streamPrefixes,
      toMessage: definition.forwarder.toMessage,
      logger: { log: (m: string) => logger.log(m, 'forwarder'), warn: (m: string) => logger.warn(m, 'forwarder'), error: (m: string) => logger.error(m, 'forwarder') },
    });
    const running = forwarder;
    status.setForwarder(running.name, definition.forwarder.streamPrefixes, () => running.status());
  }
  const startForwarder = async () => {
    if (forwarder) await forwarder.start();
  };
  if (options.startForwarder !== false) await startForwarder();
  logger.log(`${definition.name} listening on ${url} (event store ${infrastructure.eventStore.kind}, bus ${infrastructure.bus.kind}, read store ${infrastructure.readStore.kind})`, 'bootstrap');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Refuse new connections; requests in flight finish, answered with Connection: close, and
      // kept-alive connections close as soon as they are idle (http/draining.ts).
      const closed = draining.close();
      await forwarder?.stop();
      await closed.catch(() => undefined);
      await app.close();
      await metrics.close();
      await infrastructure.readStore.close();
      if (options.ownsInfrastructure !== false) {
        await infrastructure.bus.close();
        await infrastructure.eventStore.close();
      }
      logger.log(`${definition.name} stopped`, 'bootstrap');
    })());

  return { name: definition.name, app, url, forwarder, startForwarder, stop };
};

/**
 * SIGTERM/SIGINT: stop every service gracefully, and exit anyway before the grace period ends
 * so an orchestrator's kill never lands in the middle of a checkpoint write.
 */
export const stopOnSignals = (stop: () => Promise<void>, graceMs: number, logger: LoggerService): void => {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.log(`${signal} received: draining`, 'shutdown');
    const deadline = setTimeout(() => {
      logger.error(`shutdown took longer than ${graceMs} ms: exiting`, 'shutdown');
      process.exit(1);
    }, graceMs);
    deadline.unref();
    stop().then(
      () => process.exit(0),
      (error) => {
        logger.error(error instanceof Error ? error : String(error), 'shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
};
