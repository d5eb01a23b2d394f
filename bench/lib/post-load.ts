import autocannon from 'autocannon';
import { join } from 'node:path';

export interface LoadResult {
  /** Mean 2xx requests per second over the run. */
  rps: number;
  requests: number;
  p50: number;
  p99: number;
}

/**
 * `connections` clients posting registrations to `${url}/beneficiaries` for `seconds`, every
 * request a new registration (fresh Idempotency-Key and body). autocannon runs in a worker
 * thread: the servers in this process keep the main thread, as they would with autocannon in
 * another process. Any non-2xx answer or error fails the run: a figure over failures means nothing.
 */
export const postRegistrations = async (url: string, { seconds, connections }: { seconds: number; connections: number }): Promise<LoadResult> => {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    workers: 1,
    requests: [{ method: 'POST', path: '/beneficiaries', setupRequest: join(__dirname, 'fresh-registration.request.ts') as never }],
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(`POST ${url}/beneficiaries: ${failed} of ${result.requests.total} requests failed (${JSON.stringify(result.statusCodeStats)})`);
  }
  return { rps: result['2xx'] / result.duration, requests: result['2xx'], p50: result.latency.p50, p99: result.latency.p99 };
};
