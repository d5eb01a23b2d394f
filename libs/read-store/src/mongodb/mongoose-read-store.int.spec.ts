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
    };
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
