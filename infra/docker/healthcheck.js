// The image's HEALTHCHECK (infra/docker/Dockerfile): GET /health/live of the service this
// container runs (SERVICE; the embedded host `network` checks its four services) on its port,
// with node's fetch: the slim image has no curl. Liveness, not readiness: an orchestrator
// restarts a container that fails it, and a service waiting for Kafka or MongoDB is not helped
// by a restart (/health/ready tells a load balancer whether to send it requests).
'use strict';
const ports = { intake: ['INTAKE_PORT', 3001], referral: ['REFERRAL_PORT', 3002], 'capacity-building': ['CAPACITY_BUILDING_PORT', 3003], reporting: ['REPORTING_PORT', 3004] };
const service = process.env.SERVICE || 'network';
const services = service === 'network' ? Object.keys(ports) : [service];
const path = process.env.HEALTHCHECK_PATH || '/health/live';

const check = async (name) => {
  if (!ports[name]) throw new Error(`SERVICE=${service} is none of network, ${Object.keys(ports).join(', ')}`);
  const [variable, fallback] = ports[name];
  const url = `http://127.0.0.1:${process.env[variable] || fallback}${path}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(4_000) }).catch((error) => {
    throw new Error(`${name}: ${url}: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (!response.ok) throw new Error(`${name}: ${url} answered ${response.status}`);
};

Promise.all(services.map(check)).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
