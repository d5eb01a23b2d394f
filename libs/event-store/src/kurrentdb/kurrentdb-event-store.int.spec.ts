import { randomUUID } from 'node:crypto';
import { jsonEvent, JSONType, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { describeWithInfra, eventually } from '@oriental/testing';
import { anEvent, eventStoreContract, ForeignRecord } from '../testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';

// Needs a KurrentDB server running projections, e.g.
//   KURRENTDB_RUN_PROJECTIONS=All KURRENTDB_START_STANDARD_PROJECTIONS=true KURRENTDB_INSECURE=true
// and KURRENTDB_URL=kurrentdb://localhost:2113?tls=false
describeWithInfra('kurrentdb', 'KurrentDbEventStore against a real server', (url) => {
  /** A client of the spec's own, for what the adapter never does (foreign records, metadata, projections of its own). */
  const withClient = async <T>(use: (client: KurrentDBClient) => Promise<T>): Promise<T> => {
    const client = KurrentDBClient.connectionString(url);
    try {
      return await use(client);
    } finally {
      await client.dispose();
    }
  };

  eventStoreContract(
    'KurrentDbEventStore',
    async () => {
      const store = await KurrentDbEventStore.connect(url);
      return { store, cleanup: () => store.close() };
    },
    {
      journeyIsEventuallyConsistent: true,
      // A checkpoint every CHECKPOINT_INTERVAL (10) server search windows of 32 records.
      checkpointLag: 10 * 32,
      // Records another tool could write: JSON, with metadata but no `$schemaVersion` or hash chain.
      writeForeignRecords: (stream: string, records: readonly ForeignRecord[]) =>
        withClient(async (client) => {
          await client.appendToStream(
            stream,
            records.map((record) => jsonEvent({ type: record.type, data: record.data as JSONType, metadata: record.metadata as JSONType })),
          );
        }),
    },
  );

  it('creates its journey projection idempotently, from any number of processes', async () => {
    const [first, second] = await Promise.all([KurrentDbEventStore.connect(url), KurrentDbEventStore.connect(url)]);
    try {
      await first.init();
      expect(await first.health()).toMatchObject({ status: 'up', details: { journeyProjection: expect.stringMatching(/^Running/) } });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('given the projection exists, when init runs with a single attempt, then the conflict is recognised at once as "already there", not retried or reported', async () => {
    const store = new KurrentDbEventStore(KurrentDBClient.connectionString(url), { projectionAttempts: 1 });
    try {
      await expect(store.init()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  describe('checkpoint streams keep one event', () => {
    const maxCountOf = (stream: string) => withClient(async (client) => (await client.getStreamMetadata(stream)).metadata?.maxCount);

    it('given a checkpoint stream whose first save stored its event but not its $maxCount, when saved again, then the cap is set and the last save wins', async () => {
      const name = `contract-${randomUUID()}`;
      const stream = `checkpoint-${name}`;
      // What a first save left when its metadata call failed: one event, no metadata.
      await withClient(async (client) => {
        await client.appendToStream(stream, jsonEvent({ type: 'CheckpointSaved', data: { position: '0/0' } }));
      });
      expect(await maxCountOf(stream)).toBeUndefined();
      const store = await KurrentDbEventStore.connect(url);
      try {
        const { position } = await store.appendToStream(`test-${randomUUID()}`, [anEvent()], { expectedRevision: 'no_stream' });

        await store.save(name, position);

        expect(await maxCountOf(stream)).toBe(1);
        expect(await store.load(name)).toBe(position);
      } finally {
        await store.close();
      }
    });

    it('given a new checkpoint name, when saved, then its stream is capped before it holds anything', async () => {
      const name = `contract-${randomUUID()}`;
      const store = await KurrentDbEventStore.connect(url);
      try {
        const { position } = await store.appendToStream(`test-${randomUUID()}`, [anEvent()], { expectedRevision: 'no_stream' });
        await store.save(name, position);
        await store.save(name, position);

        expect(await maxCountOf(`checkpoint-${name}`)).toBe(1);
        expect(await store.load(name)).toBe(position);
      } finally {
        await store.close();
      }
    });
  });

  describe('health reads the journey projection', () => {
    /**
     * A projection of the spec's own stands for the journey projection, so that stopping or
     * faulting it leaves the shared one alone: it follows one stream of its own and throws on an
     * event of type `Boom`.
     */
    const ownProjection = async (client: KurrentDBClient) => {
      const name = `contract-projection-${randomUUID()}`;
      const stream = `contract-projected-${randomUUID()}`;
      const query = `fromStream('${stream}').when({ Boom: function () { throw new Error('the query failed on purpose'); } });`;
      await client.createProjection(name, query);
      const remove = async () => {
        await client.disableProjection(name).catch(() => undefined);
        await client.deleteProjection(name).catch(() => undefined);
      };
      return { name, stream, remove };
    };

    it('given no such projection, then health is down and says it is missing', async () => {
      const store = new KurrentDbEventStore(KurrentDBClient.connectionString(url), { journeyProjection: `contract-missing-${randomUUID()}` });
      try {
        expect(await store.health()).toMatchObject({ status: 'down', kind: 'kurrentdb', details: { journeyProjection: 'missing', reason: expect.stringMatching(/does not exist/) } });
      } finally {
        await store.close();
      }
    });

    it('given the projection runs, then is stopped, then faults, then health says up, then down with each status and reason', async () => {
      await withClient(async (client) => {
        const projection = await ownProjection(client);
        const store = new KurrentDbEventStore(KurrentDBClient.connectionString(url), { journeyProjection: projection.name });
        try {
          await eventually(async () => expect(await store.health()).toMatchObject({ status: 'up', details: { journeyProjection: expect.stringMatching(/^Running/) } }), {
            timeoutMs: 20_000,
          });

          await client.disableProjection(projection.name);
          await eventually(async () =>
            expect(await store.health()).toMatchObject({ status: 'down', details: { journeyProjection: expect.stringMatching(/Stopped/), reason: expect.any(String) } }),
          );

          await client.enableProjection(projection.name);
          await client.appendToStream(projection.stream, jsonEvent({ type: 'Boom', data: {} }));
          await eventually(
            async () =>
              expect(await store.health()).toMatchObject({
                status: 'down',
                details: { journeyProjection: expect.stringMatching(/Faulted/), reason: expect.stringMatching(/the query failed on purpose/) },
              }),
            { timeoutMs: 20_000 },
          );
        } finally {
          await store.close();
          await projection.remove();
        }
      });
    }, 60_000);
  });
});
