import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { EVENT_BUS, EventBus } from '@oriental/messaging';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiResponseOf } from './http/validation';
import { SERVICE_STATUS } from './tokens';

const checkSchema = z.object({ status: z.enum(['up', 'down']), kind: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() });
type Check = z.infer<typeof checkSchema>;

const healthSchema = z.object({
  status: z.enum(['up', 'down']),
  service: z.string(),
  checks: z.object({ eventStore: checkSchema, bus: checkSchema, readStore: checkSchema, forwarder: checkSchema.optional() }),
});
type Health = z.infer<typeof healthSchema>;

/** Live status of the parts that are not adapters (the forwarder), filled in by bootstrap. */
export class ServiceStatus {
  constructor(readonly service: string) {}
  forwarder?: () => Check;
}

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
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(SERVICE_STATUS) private readonly status: ServiceStatus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Reports the event store, bus, read store and forwarder this service runs on' })
  @ApiResponseOf(200, healthSchema, 'Every part is up')
  @ApiResponseOf(503, healthSchema, 'At least one part is down')
  async health(@Res({ passthrough: true }) response: Response): Promise<Health> {
    const [eventStore, bus, readStore] = await Promise.all([
      safely(() => this.eventStore.health()),
      safely(() => this.bus.health()),
      safely(() => this.readStore.health()),
    ]);
    const checks: Health['checks'] = { eventStore, bus, readStore, ...(this.status.forwarder ? { forwarder: this.status.forwarder() } : {}) };
    const up = Object.values(checks).every((check) => check.status === 'up');
    response.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'up' : 'down', service: this.status.service, checks };
  }
}
