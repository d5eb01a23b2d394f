// Run as a separate process by telemetry.int.spec.ts: instrumentation must be set up before
// `http` is loaded, which a jest worker (which has loaded it long ago) cannot show.
import { metrics } from '@opentelemetry/api';
import { MetricsRegistry } from '../metrics';
import { startTelemetry } from '../telemetry';

const shutdown = startTelemetry('smoke-service');

// Metrics are on whether tracing is or not: a service's own series, and a library's through the global API.
const registry = new MetricsRegistry((attributes) => attributes['group'] === 'smoke', { service: 'smoke-service' });
registry.meter('@oriental/smoke').createCounter('oriental_smoke_requests').add(1, { service: 'smoke-service' });
metrics.getMeter('@oriental/messaging').createCounter('oriental_smoke_dead_letters').add(2, { group: 'smoke' });
metrics.getMeter('@oriental/messaging').createCounter('oriental_smoke_dead_letters').add(5, { group: 'elsewhere' });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const http = require('node:http') as typeof import('node:http');

const server = http.createServer((_request, response) => response.end('ok'));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  http.get(`http://127.0.0.1:${port}/beneficiaries`, (response) => {
    response.resume();
    response.on('end', async () => {
      server.close();
      await shutdown();
      const loaded = Object.keys(require.cache).some((file) => file.includes('@opentelemetry/sdk-node'));
      console.log(`SDK_LOADED=${loaded}`);
      for (const line of (await registry.scrape()).split('\n').filter((text) => text !== '' && !text.startsWith('#'))) console.log(`METRIC ${line}`);
    });
  });
});
