import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
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
    forwarder: checkSchema.optional(),
    followers: z.record(z.string(), followerCheckSchema).optional().meta({ description: "The service's other log followers, by checkpoint name" }),
    stores: z.record(z.string(), checkSchema).optional().meta({ description: "Stores of the service's own beyond the shared adapters (intake: its key store)" }),
  }),
});
type Health = z.infer<typeof healthSchema>;

/** Live status of the parts that are not adapters (the forwarder, other log followers). */
export class ServiceStatus {
  private readonly followers = new Map<string, () => LogFollowerStatus>();
  private readonly stores = new Map<string, () => Promise<Check>>();

  constructor(readonly service: string) {}

  /** Filled in by bootstrap when the service forwards its events. */
  forwarder?: () => Check;

  /** Shows one of the service's own log followers on `/health`, under `checks.followers.<name>`. */
  addFollower(name: string, status: () => LogFollowerStatus): void {
    if (this.followers.has(name)) throw new Error(`A log follower named ${name} is already registered`);
    this.followers.set(name, status);
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
    return Object.fromEntries([...this.followers].map(([name, status]) => [name, followerCheck(status())]));
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
  ) {}

  @Get()
  @ApiOperation({ summary: 'Reports the event store, bus, read store, forwarder and log followers this service runs on' })
  @ApiResponseOf(200, healthSchema, 'Every part is up')
  @ApiResponseOf(503, healthSchema, 'At least one part is down')
  async health(@Res({ passthrough: true }) response: Response): Promise<Health> {
    const [eventStore, bus, readStore] = await Promise.all([
      safely(() => this.eventStore.health()),
      safely(() => this.bus.health()),
      safely(() => this.readStore.health()),
    ]);
    const forwarder = this.status.forwarder?.();
    const followers = this.status.followerChecks();
    const stores = await this.status.storeChecks();
    const checks: Health['checks'] = {
      eventStore,
      bus,
      readStore,
      ...(forwarder ? { forwarder } : {}),
      ...(Object.keys(followers).length > 0 ? { followers } : {}),
      ...(Object.keys(stores).length > 0 ? { stores } : {}),
    };
    const up = [eventStore, bus, readStore, ...(forwarder ? [forwarder] : []), ...Object.values(followers), ...Object.values(stores)].every((check) => check.status === 'up');
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'up' : 'down', service: this.status.service, checks };
  }
}
