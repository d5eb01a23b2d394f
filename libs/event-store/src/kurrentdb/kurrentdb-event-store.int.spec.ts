import { describeWithInfra } from '@oriental/testing';
import { eventStoreContract } from '../testing';
import { KurrentDbEventStore } from './kurrentdb-event-store';

// Needs a KurrentDB server running projections, e.g.
//   KURRENTDB_RUN_PROJECTIONS=All KURRENTDB_START_STANDARD_PROJECTIONS=true KURRENTDB_INSECURE=true
// and KURRENTDB_URL=kurrentdb://localhost:2113?tls=false
describeWithInfra('kurrentdb', 'KurrentDbEventStore against a real server', (url) => {
  eventStoreContract(
    'KurrentDbEventStore',
    async () => {
      const store = await KurrentDbEventStore.connect(url);
      return { store, cleanup: () => store.close() };
    },
    // A checkpoint every CHECKPOINT_INTERVAL (10) server search windows of 32 records.
    { journeyIsEventuallyConsistent: true, checkpointLag: 10 * 32 },
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
});
