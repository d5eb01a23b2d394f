import { Controller, Get, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from './auth/policy';
import { EVENT_STORE, EventStore, LogFollowerStatus } from '@oriental/event-store';
import { EVENT_BUS, EventBus } from '@oriental/messaging';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiResponseOf } from './http/validation';
import { SERVICE_STATUS } from './tokens';

const checkSchema = z.object({ status: z.enum(['up', 'down']), kind: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() });
type Check = z.infer<typeof checkSchema>;

/** A log follower other than the forwarder (an index, an access log): `LogFollowerStatus` without its name, which keys it. */
const followerCheckSchema = z.object({
  status: z.enum(['up', 'down']),
  kind: z.literal('log-follower'),
  details: z.object({
    running: z.boolean(),
    lastPosition: z.string().optional().meta({ description: 'The stored checkpoint: every event it follows up to here was handled' }),
    handled: z.int().meta({ description: 'Events handled since the process started' }),
    consecutiveFailures: z.int().meta({ description: 'Failures since the last batch that went through; 0 when healthy' }),
    lastError: z.string().optional(),
  }),
});
type FollowerCheck = z.infer<typeof followerCheckSchema>;

const healthSchema = z.object({
  status: z.enum(['up', 'down']),
  service: z.string(),
  checks: z.object({
    eventStore: checkSchema,
    bus: checkSchema,
    readStore: checkSchema,
    forwarder: checkSchema.optional().meta({ description: 'details.degraded and details.parked when it parked events it could not map: still up, the rest of the log flows' }),
    followers: z.record(z.string(), followerCheckSchema).optional().meta({ description: "The service's other log followers, by checkpoint name" }),
    stores: z.record(z.string(), checkSchema).optional().meta({ description: "Stores of the service's own beyond the shared adapters (intake: its key store)" }),
  }),
});
type Health = z.infer<typeof healthSchema>;

/** One check of @nestjs/terminus' answer: its status and what the part says about itself. */
const indicatorSchema = z.looseObject({ status: z.enum(['up', 'down']) });
const indicatorsSchema = z.record(z.string(), indicatorSchema);

/** @nestjs/terminus' answer (`HealthCheckResult`): `info` holds the parts up, `error` those down, `details` all of them. */
const terminusSchema = z.object({
  status: z.enum(['ok', 'error', 'shutting_down']),
  info: indicatorsSchema.optional(),
  error: indicatorsSchema.optional(),
  details: indicatorsSchema,
});
type TerminusHealth = z.infer<typeof terminusSchema>;

/** A forwarder's live status, as `Forwarder.status()` answers it (`parked` once parking exists). */
export interface ForwarderStatusLike {
  running: boolean;
  lastPosition?: string;
  consecutiveFailures: number;
  lastError?: string;
  parked?: number;
}

/** A log follower of the service, with the stream categories it follows (when known): health and the lag metrics read it. */
export interface FollowedLog {
  name: string;
  kind: 'forwarder' | 'log-follower';
  streamPrefixes?: readonly string[];
  status(): { lastPosition?: string };
}

/** Live status of the parts that are not adapters (the forwarder, other log followers). */
export class ServiceStatus {
  private readonly followers = new Map<string, { status: () => LogFollowerStatus; streamPrefixes?: readonly string[] }>();
  private readonly stores = new Map<string, () => Promise<Check>>();
  private forwarderSource?: { name: string; streamPrefixes: readonly string[]; status: () => ForwarderStatusLike };

  constructor(readonly service: string) {}

  /** Set by bootstrap when the service forwards its events. */
  setForwarder(name: string, streamPrefixes: readonly string[], status: () => ForwarderStatusLike): void {
    this.forwarderSource = { name, streamPrefixes, status };
  }

  /**
   * The forwarder's check: down only when it stopped on an error (a forwarder that is retrying is
   * still up); up but `degraded` when it parked events it could not map, with their count, so an
   * operator sees them while the rest of the log keeps flowing.
   */
  forwarder(): Check | undefined {
    if (!this.forwarderSource) return undefined;
    const status = this.forwarderSource.status();
    // Read defensively: `parked` comes with the forwarder's parking of unmappable events.
    const parked = (status as { parked?: number }).parked ?? 0;
    return {
      status: status.lastError && !status.running ? 'down' : 'up',
      kind: 'forwarder',
      details: { ...status, ...(parked > 0 ? { degraded: true, parked } : {}) },
    };
  }

  /**
   * Shows one of the service's own log followers on `/health`, under `checks.followers.<name>`;
   * `streamPrefixes` (the categories it follows) lets its lag metrics count only its events.
   */
  addFollower(name: string, status: () => LogFollowerStatus, streamPrefixes?: readonly string[]): void {
    if (this.followers.has(name)) throw new Error(`A log follower named ${name} is already registered`);
    this.followers.set(name, { status, ...(streamPrefixes ? { streamPrefixes } : {}) });
  }

  /** Shows a store of the service's own (intake's key store) on `/health`, under `checks.stores.<name>`. */
  addStore(name: string, health: () => Promise<Check>): void {
    if (this.stores.has(name)) throw new Error(`A store named ${name} is already registered`);
    this.stores.set(name, health);
  }

  async storeChecks(): Promise<Record<string, Check>> {
    return Object.fromEntries(await Promise.all([...this.stores].map(async ([name, health]) => [name, await safely(health)] as const)));
  }

  followerChecks(): Record<string, FollowerCheck> {
    return Object.fromEntries([...this.followers].map(([name, { status }]) => [name, followerCheck(status())]));
  }

  /** The forwarder and every other log follower, for the lag metrics. */
  followedLogs(): FollowedLog[] {
    const forwarder = this.forwarderSource;
    return [
      ...(forwarder ? [{ name: forwarder.name, kind: 'forwarder' as const, streamPrefixes: forwarder.streamPrefixes, status: forwarder.status }] : []),
      ...[...this.followers].map(([name, { status, streamPrefixes }]) => ({ name, kind: 'log-follower' as const, ...(streamPrefixes ? { streamPrefixes } : {}), status })),
    ];
  }
}

/** Down only when it stopped on an error, as the forwarder's check: a follower that is retrying is still up. */
const followerCheck = ({ name: _name, ...details }: LogFollowerStatus): FollowerCheck => ({
  status: details.lastError !== undefined && !details.running ? 'down' : 'up',
  kind: 'log-follower',
  details,
});

const safely = async (check: () => Promise<Check>): Promise<Check> => {
  try {
    return await Promise.race([
      check(),
      new Promise<Check>((resolve) => setTimeout(() => resolve({ status: 'down', details: { error: 'timed out after 3 s' } }), 3000).unref()),
    ]);
  } catch (error) {
    return { status: 'down', details: { error: error instanceof Error ? error.message : String(error) } };
  }
};

@ApiTags('operations')
/** Never rate-limited: orchestrators and load balancers poll it. */
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(SERVICE_STATUS) private readonly status: ServiceStatus,
    private readonly terminus: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Reports the event store, bus, read store, forwarder and log followers this service runs on (the readiness of /health/ready, in this shape)' })
  @ApiResponseOf(200, healthSchema, 'Every part is up')
  @ApiResponseOf(503, healthSchema, 'At least one part is down')
  async health(@Res({ passthrough: true }) response: Response): Promise<Health> {
    const checks = await this.checks();
    const up = allUp(checks);
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'up' : 'down', service: this.status.service, checks };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked: restart it only when this fails)' })
  @ApiResponseOf(200, terminusSchema, 'The process answers')
  async live(): Promise<TerminusHealth> {
    return (await this.terminus.check([
      () => this.indicators.check('process').up({ service: this.status.service, uptimeSeconds: Math.round(process.uptime()) }),
    ])) as TerminusHealth;
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the event store, bus, read store, forwarder, log followers and own stores are up (send it traffic only then)',
    description: 'A forwarder that parked events it could not map is still up (the rest of the log flows), with degraded: true and the count parked.',
  })
  @ApiResponseOf(200, terminusSchema, 'Every part is up')
  @ApiResponseOf(503, terminusSchema, 'At least one part is down (listed under error)')
  async ready(@Res({ passthrough: true }) response: Response): Promise<TerminusHealth> {
    const checks = await this.checks();
    const named: [string, Check][] = [
      ['eventStore', checks.eventStore],
      ['bus', checks.bus],
      ['readStore', checks.readStore],
      ...(checks.forwarder ? [['forwarder', checks.forwarder] as [string, Check]] : []),
      ...Object.entries(checks.followers ?? {}).map(([name, check]): [string, Check] => [`follower:${name}`, check]),
      ...Object.entries(checks.stores ?? {}).map(([name, check]): [string, Check] => [`store:${name}`, check]),
    ];
    try {
      return (await this.terminus.check(named.map(([key, check]) => () => this.indicator(key, check)))) as TerminusHealth;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as TerminusHealth;
    }
  }

  private indicator(key: string, { status, kind, details }: Check): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const data = { ...(kind ? { kind } : {}), ...details };
    return status === 'up' ? session.up(data) : session.down(data);
  }

  private async checks(): Promise<Health['checks']> {
    const [eventStore, bus, readStore, stores] = await Promise.all([
      safely(() => this.eventStore.health()),
      safely(() => this.bus.health()),
      safely(() => this.readStore.health()),
      this.status.storeChecks(),
    ]);
    const forwarder = this.status.forwarder();
    const followers = this.status.followerChecks();
    return {
      eventStore,
      bus,
      readStore,
      ...(forwarder ? { forwarder } : {}),
      ...(Object.keys(followers).length > 0 ? { followers } : {}),
      ...(Object.keys(stores).length > 0 ? { stores } : {}),
    };
  }
}

const allUp = (checks: Health['checks']): boolean =>
  [checks.eventStore, checks.bus, checks.readStore, ...(checks.forwarder ? [checks.forwarder] : []), ...Object.values(checks.followers ?? {}), ...Object.values(checks.stores ?? {})].every(
    (check) => check.status === 'up',
  );
