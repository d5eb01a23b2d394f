import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '../../..');
const fixture = join(__dirname, 'testing/telemetry-smoke.fixture.ts');

/** Runs the fixture (an HTTP server answering one request) in a fresh process with these variables. */
const runWith = async (env: Record<string, string>): Promise<string> => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', join(root, 'tools/register.js'), fixture], {
    cwd: root,
    env: { ...clean, ...env },
    timeout: 60_000,
  });
  return stdout;
};

jest.setTimeout(60_000);

describe('startTelemetry', () => {
  it('is off by default: no span printed, and the SDK not even loaded', async () => {
    const output = await runWith({});
    expect(output).toContain('SDK_LOADED=false');
    expect(output).not.toContain('traceId');
  });

  it('with OTEL_TRACES_EXPORTER=console, traces HTTP under the service name (OTEL_SERVICE_NAME wins)', async () => {
    const output = await runWith({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'intake-test' });
    expect(output).toContain('SDK_LOADED=true');
    expect(output).toMatch(/'service\.name': 'intake-test'/);
    expect(output).toMatch(/kind: 1[,\s]/); // a SERVER span for the incoming request
    expect(output).toMatch(/'url\.path': '\/beneficiaries'|'http\.target': '\/beneficiaries'/);
  });

  it.each([
    ['off', {}],
    ['on', { OTEL_TRACES_EXPORTER: 'console' }],
  ])('serves metrics with tracing %s: the service’s own series and the libraries’ it owns, no one else’s', async (_tracing, env: Record<string, string>) => {
    const metrics = (await runWith(env)).split('\n').filter((line) => line.startsWith('METRIC '));
    expect(metrics).toEqual(['METRIC oriental_smoke_requests_total{service="smoke-service"} 1', 'METRIC oriental_smoke_dead_letters_total{service="smoke-service",group="smoke"} 2']);
  });

  it('stays off when OTEL_SDK_DISABLED=true', async () => {
    const output = await runWith({ OTEL_TRACES_EXPORTER: 'console', OTEL_SDK_DISABLED: 'true' });
    expect(output).toContain('SDK_LOADED=false');
  });
});
