import { randomUUID } from 'node:crypto';
import { describeWithInfra } from '@oriental/testing';
import { createKeyStore } from '../create-key-store';
import { keyStoreContract } from '../testing';
import { MongoKeyStore } from './mongodb-key-store';

describeWithInfra('mongodb', 'MongoKeyStore', (uri) => {
  // A database of its own per test: the server may be shared with other runs.
  const dbName = () => `key_store_test_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;

  keyStoreContract('MongoDB', async () => {
    const store = await MongoKeyStore.connect({ uri, dbName: dbName() });
    return {
      store,
      cleanup: async () => {
        await store.connection.dropDatabase();
        await store.close();
      },
    };
  });

  it('is what createKeyStore opens for kind mongodb, in the database named', async () => {
    const name = dbName();
    const store = (await createKeyStore({ kind: 'mongodb', uri, dbName: name })) as MongoKeyStore;
    try {
      expect(await store.health()).toMatchObject({ status: 'up', kind: 'mongodb', details: { dbName: name, collection: 'data_keys' } });
    } finally {
      await store.connection.dropDatabase();
      await store.close();
    }
  });

  it('is down once closed', async () => {
    const store = await MongoKeyStore.connect({ uri, dbName: dbName() });
    await store.close();
    expect(await store.health()).toMatchObject({ status: 'down', kind: 'mongodb' });
  });
});
