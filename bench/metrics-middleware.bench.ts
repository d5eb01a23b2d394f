import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { InMemoryEventLog } from '@oriental/messaging/testing';
import { ServiceMetrics, ServiceStatus } from '@oriental/service-kit';

/**
 * `npm run bench:metrics`: what the HTTP metrics middleware costs a request, in CPU, against the
 * same request path without it, in the same process (docs/operations.md, "Performance").
 *
 * Each round sends REQUESTS requests, alternately through a pass-through middleware (the
 * baseline: it subscribes to the answer's end as the real one does) and through
 * `ServiceMetrics.http()`, and then ends each answer. It prints the CPU per request of both and
 * their ratio; the difference is the middleware's own cost.
 */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

type Middleware = (request: Request, response: Response, next: NextFunction) => void;

const baseline: Middleware = (_request, response, next) => {
  const done = () => undefined;
  response.once('finish', done);
  response.once('close', done);
  next();
};

/** CPU microseconds per request of `middleware`, over `REQUESTS` fake requests to a templated route. */
const cpuPerRequest = (middleware: Middleware): number => {
  const started = process.cpuUsage();
  for (let n = 0; n < REQUESTS; n++) {
    const response = Object.assign(new EventEmitter(), { headersSent: true, statusCode: n % 50 === 0 ? 422 : 201 }) as unknown as Response;
    const request = { method: 'POST', baseUrl: '', route: { path: '/beneficiaries/:beneficiaryId/needs' }, originalUrl: '/beneficiaries/x/needs' } as unknown as Request;
    middleware(request, response, () => undefined);
    (response as unknown as EventEmitter).emit('finish');
    (response as unknown as EventEmitter).emit('close');
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / REQUESTS;
};

const main = async (): Promise<void> => {
  const metrics = new ServiceMetrics({ service: 'bench', status: new ServiceStatus('bench'), eventStore: new InMemoryEventLog() });
  const measured = metrics.http();
  // Warm both paths (JIT) before measuring.
  cpuPerRequest(baseline);
  cpuPerRequest(measured);
  const rows: { round: number; withoutUs: number; withUs: number; ratio: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const withoutUs = cpuPerRequest(baseline);
    const withUs = cpuPerRequest(measured);
    rows.push({ round, withoutUs, withUs, ratio: withUs / withoutUs });
  }
  for (const { round, withoutUs, withUs, ratio } of rows) {
    console.log(`round ${round}: without ${withoutUs.toFixed(2)} µs, with ${withUs.toFixed(2)} µs CPU per request; ratio ${ratio.toFixed(2)}; the middleware's own cost ${(withUs - withoutUs).toFixed(2)} µs`);
  }
  const own = rows.map(({ withoutUs, withUs }) => withUs - withoutUs).sort((a, b) => a - b);
  console.log(`median own cost: ${own[Math.floor(own.length / 2)]!.toFixed(2)} µs CPU per request (${REQUESTS} requests × ${ROUNDS} rounds, ${performance.now().toFixed(0)} ms)`);
  await metrics.close();
};

void main();
