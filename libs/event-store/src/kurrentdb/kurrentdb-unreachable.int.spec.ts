import { createServer } from 'node:net';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { InvalidExpectedRevisionError } from '../event-store.port';
import { anEvent } from '../testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';

/**
 * The real client against an address where nothing listens (a port just freed): what the adapter
 * says when the server is not there, which needs no KurrentDB to show.
 */
const freedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('KurrentDbEventStore with no server at its address', () => {
  let url: string;
  beforeAll(async () => {
    url = `kurrentdb://127.0.0.1:${await freedPort()}?tls=false`;
  });

  it('given connection refused, when connecting, then it retries a bounded number of times and names the connection error, not "the server must run projections"', async () => {
    const failure = KurrentDbEventStore.connect(url, { projectionAttempts: 3, projectionBackoffMs: 10, projectionDeadlineMs: 1_000 });

    await expect(failure).rejects.toThrow(/still failing after 3 attempts: UnavailableError \(unavailable\): .*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(/no projection service/);
  }, 30_000);

  it('given connection refused, then health is down with the error', async () => {
    const store = new KurrentDbEventStore(KurrentDBClient.connectionString(url));
    try {
      expect(await store.health()).toMatchObject({ status: 'down', kind: 'kurrentdb', details: { error: expect.stringMatching(/unavailable|no answer/i) } });
    } finally {
      await store.close();
    }
  }, 30_000);

  it('given an invalid expected revision, then the append is refused before the client is asked anything', async () => {
    const store = new KurrentDbEventStore(KurrentDBClient.connectionString(url));
    try {
      await expect(store.appendToStream('test-1', [anEvent()], { expectedRevision: -1 })).rejects.toBeInstanceOf(InvalidExpectedRevisionError);
      await expect(store.appendToStream('test-1', [anEvent()], { expectedRevision: 0.5 })).rejects.toBeInstanceOf(InvalidExpectedRevisionError);
    } finally {
      await store.close();
    }
  }, 30_000);
});
