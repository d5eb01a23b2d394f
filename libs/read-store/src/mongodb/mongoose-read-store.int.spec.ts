import { randomUUID } from 'node:crypto';
import { describeWithInfra } from '@oriental/testing';
import { readStoreContract } from '../testing';
import { MongooseReadStore } from './mongoose-read-store';

describeWithInfra('mongodb', 'MongooseReadStore', (uri) => {
  readStoreContract('mongoose', async () => {
    // A database of its own per run: the server may be shared with other runs.
    const dbName = `read_store_test_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;
    const store = await MongooseReadStore.connect({ uri, dbName });
    return {
      store,
      cleanup: async () => {
        await store.connection.dropDatabase();
        await store.close();
      },
      batches: 'first-then-rest',
    };
  });

  describe('given collections opened with indexes', () => {
    const dbName = `read_store_test_indexes_${randomUUID().slice(0, 8)}`;
    const stores: MongooseReadStore[] = [];
    const connect = async (): Promise<MongooseReadStore> => {
      const store = await MongooseReadStore.connect({ uri, dbName });
      stores.push(store);
      return store;
    };
    const indexKeysOf = async (store: MongooseReadStore, collection: string): Promise<unknown[]> =>
      (await store.connection.collection(collection).indexes()).map((index) => index.key);
    afterAll(async () => {
      try {
        await stores[0]?.connection.dropDatabase();
      } finally {
        for (const store of stores) await store.close();
      }
    });

    it('when two services open one at once, then both work and the server holds each index once', async () => {
      const [first, second] = await Promise.all([connect(), connect()]);
      const collections = [first!, second!].map((store) =>
        store.collection<{ status: string; cellId: string }>('cases', { indexes: ['status', 'cellId'] }),
      );

      const written = await Promise.all(
        collections.map((cases, writer) => cases.write(`case-${writer}`, { status: 'open', cellId: 'oujda' }, { expectedVersion: 0 })),
      );

      expect(written).toEqual([true, true]);
      expect(await collections[1]!.count({ status: 'open' })).toBe(2);
      const keys = await indexKeysOf(first!, 'cases');
      expect(keys).toHaveLength(6);
      expect(keys).toEqual(
        expect.arrayContaining([
          { _id: 1 },
          { _id: 1, v: 1 },
          { 'data.status': 1 },
          { 'data.status': 1, _id: 1 },
          { 'data.cellId': 1 },
          { 'data.cellId': 1, _id: 1 },
        ]),
      );
      expect((await first!.health()).details).not.toHaveProperty('indexProblems');
    });
  });

  describe('given a server that does not answer', () => {
    it('when connecting, then it fails within the server selection timeout', async () => {
      const started = Date.now();

      await expect(
        MongooseReadStore.connect({ uri: 'mongodb://127.0.0.1:9', dbName: 'unreachable', serverSelectionTimeoutMS: 300 }),
      ).rejects.toThrow();

      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  describe('given a closed store', () => {
    it('when asked for its health, then it is down', async () => {
      const store = await MongooseReadStore.connect({ uri, dbName: `read_store_test_closed_${randomUUID().slice(0, 8)}` });
      await store.close();

      expect(await store.health()).toMatchObject({ status: 'down', kind: 'mongodb' });
    });
  });
});
