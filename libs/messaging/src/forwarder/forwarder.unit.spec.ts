import { InMemoryEventLog } from '../testing/in-memory-event-log';
import { forwarderSuite } from '../testing/forwarder.suite';

forwarderSuite('an in-memory log', async () => {
  const log = new InMemoryEventLog();
  return { store: log, checkpoints: log, close: () => log.close() };
});
