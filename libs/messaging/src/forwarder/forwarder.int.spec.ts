import { SqliteEventStore } from '@oriental/event-store';
import { forwarderSuite } from '../testing/forwarder.suite';

// The same behaviour as forwarder.unit.spec.ts, over the real embedded store: its subscription
// (catch-up, then live) and its checkpoint table.
forwarderSuite('the SQLite event store', async () => {
  const store = new SqliteEventStore(':memory:', { pollIntervalMs: 20 });
  return { store, checkpoints: store, close: () => store.close() };
});
