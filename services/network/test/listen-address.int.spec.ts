import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLogger, loadConfig } from '@oriental/service-kit';
import request from 'supertest';
import { RunningNetwork, startNetwork } from '../src/network';

/** An address of this machine that other machines could reach: the first non-internal one. */
const externalAddress = (): string | undefined => {
  const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
  const external = addresses.filter((entry) => !entry.internal && !entry.address.startsWith('fe80:'));
  return (external.find((entry) => entry.family === 'IPv4') ?? external[0])?.address;
};

/** Resolves 'connected' or the error code of a TCP connection attempt to host:port. */
const tryConnect = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const portOf = (url: string): number => Number(new URL(url).port);

/**
 * Issue 7, defect 8: every service listened on 0.0.0.0, so `npm start` on a laptop opened
 * personal data to whatever network the laptop sat on. Started with the default configuration
 * (no HOST), a service answers on loopback only.
 */
describe('the listen address of the default configuration', () => {
  const address = externalAddress();
  let dataDir: string;
  let network: RunningNetwork | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'listen-address-'));
    network = await startNetwork(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }), {
      logger: (service) => new JsonLogger(service, 'error'),
      ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 },
    });
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('defaults HOST to 127.0.0.1', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('is reachable on 127.0.0.1', async () => {
    for (const url of Object.values(network!.urls)) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
      await request(`http://127.0.0.1:${portOf(url)}`).get('/health').expect(200);
    }
  });

  it('is not reachable on an address of the machine other than loopback', async () => {
    if (!address) {
      process.stderr.write('listen-address spec: this machine has no non-loopback address; skipped the check from outside\n');
      return;
    }
    for (const url of Object.values(network!.urls)) {
      // The same port on a wildcard listener would connect; on loopback only, the kernel refuses.
      expect(await tryConnect(address, portOf(url))).toBe('ECONNREFUSED');
    }
  });
});
