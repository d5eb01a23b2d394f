/**
 * Child process of `postRegistrations`: node -r ./tools/register.js post-load.child.ts <url> <options JSON>.
 * Runs autocannon in its own main thread and sends the measured run's figures to its parent.
 */
import autocannon from 'autocannon';
import { freshRegistrations } from './fresh-registration.request';
import type { LoadOptions, LoadResult } from './post-load';

const [url, json] = process.argv.slice(2);
const options = JSON.parse(json!) as LoadOptions;
const freshRegistration = freshRegistrations(options.agents);
process.on('disconnect', () => process.exit(1));

const run = async (seconds: number): Promise<Omit<LoadResult, 'cpuUsPerRequest'>> => {
  const result = await autocannon({
    url: url!,
    connections: options.connections,
    duration: seconds,
    requests: [{ method: 'POST', path: '/beneficiaries', setupRequest: freshRegistration as never }],
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(`POST ${url}/beneficiaries: ${failed} of ${result.requests.total} requests failed (${JSON.stringify(result.statusCodeStats)})`);
  }
  return { rps: result['2xx'] / result.duration, requests: result['2xx'], p50: result.latency.p50, p99: result.latency.p99 };
};

const main = async () => {
  if (options.warmUpSeconds) await run(options.warmUpSeconds);
  process.send!({ measuring: true });
  process.send!({ result: await run(options.seconds) }, () => process.exit(0));
};

main().catch((error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1)));
