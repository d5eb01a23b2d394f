import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { EVENT_STORE } from '@oriental/event-store';
import { EVENT_BUS } from '@oriental/messaging';
import { READ_STORE } from '@oriental/read-store';
import type { Response } from 'express';
import { HealthController, ServiceStatus } from './health.controller';
import { SERVICE_STATUS } from './tokens';

type Part = { status: 'up' | 'down'; kind: string; details?: Record<string, unknown> };

describe('HealthController', () => {
  const parts: Record<'eventStore' | 'bus' | 'readStore', Part> = {
    eventStore: { status: 'up', kind: 'sqlite' },
    bus: { status: 'up', kind: 'in-memory' },
    readStore: { status: 'up', kind: 'memory' },
  };
  let parked = 0;
  let controller: HealthController;

  /** A response that records the status the controller sets. */
  const response = () => {
    const answer = { statusCode: 200, status: (code: number) => ((answer.statusCode = code), answer) };
    return answer;
  };

  beforeAll(async () => {
    const status = new ServiceStatus('intake');
    status.setForwarder('intake-forwarder', ['beneficiary-'], () => ({ running: true, consecutiveFailures: 0, parked }));
    const module = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: EVENT_STORE, useValue: { health: async () => parts.eventStore } },
        { provide: EVENT_BUS, useValue: { health: async () => parts.bus } },
        { provide: READ_STORE, useValue: { health: async () => parts.readStore } },
        { provide: SERVICE_STATUS, useValue: status },
      ],
    }).compile();
    controller = module.get(HealthController);
  });

  afterEach(() => {
    parts.bus = { status: 'up', kind: 'in-memory' };
    parked = 0;
  });

  it('is ready when every part is up, and live without asking any', async () => {
    const answer = response();
    expect(await controller.ready(answer as unknown as Response)).toMatchObject({ status: 'ok', error: {}, details: { eventStore: { status: 'up', kind: 'sqlite' }, forwarder: { status: 'up' } } });
    expect(answer.statusCode).toBe(200);
    parts.bus = { status: 'down', kind: 'kafka', details: { error: 'no answer from Kafka within 2000 ms' } };
    expect(await controller.live()).toMatchObject({ status: 'ok', details: { process: { status: 'up', service: 'intake' } } });
  });

  it('answers 503 when a part is down, naming it under error', async () => {
    parts.bus = { status: 'down', kind: 'kafka', details: { error: 'no answer from Kafka within 2000 ms' } };
    const answer = response();
    const body = await controller.ready(answer as unknown as Response);
    expect(answer.statusCode).toBe(503);
    expect(body).toMatchObject({ status: 'error', error: { bus: { status: 'down', kind: 'kafka', error: 'no answer from Kafka within 2000 ms' } } });
    expect(Object.keys(body.error ?? {})).toEqual(['bus']);

    const legacy = response();
    expect(await controller.health(legacy as unknown as Response)).toMatchObject({ status: 'down', checks: { bus: { status: 'down' } } });
    expect(legacy.statusCode).toBe(503);
  });

  it('stays ready with a forwarder that parked events, saying degraded and how many', async () => {
    parked = 3;
    const answer = response();
    expect(await controller.ready(answer as unknown as Response)).toMatchObject({ status: 'ok', details: { forwarder: { status: 'up', degraded: true, parked: 3 } } });
    expect(answer.statusCode).toBe(200);
  });
});
