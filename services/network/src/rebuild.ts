import { Presets, SingleBar } from 'cli-progress';
import { ConfigurationError, loadConfig } from '@oriental/service-kit';
import { rebuildNetworkReadModels } from './network';

/**
 * `npm run rebuild`: drops every service's read models and replays them from the event store.
 * With the embedded read stores, stop the network first (each store file has one owner); against
 * MongoDB stop the consumers, or they would write into collections being emptied.
 */
const main = async () => {
  // It rebuilds them all (the old `rebuild <projection>` form is gone): say so rather than ignore it.
  if (process.argv.length > 2) {
    process.stderr.write(`npm run rebuild takes no argument: it rebuilds every read model (got ${process.argv.slice(2).join(' ')})\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const bar = new SingleBar({ format: 'rebuilding read models | {value} events replayed | {duration}s' }, Presets.shades_classic);
  bar.start(0, 0);
  const started = Date.now();
  const { events, readModels } = await rebuildNetworkReadModels(config, (done) => bar.update(done));
  bar.stop();
  process.stdout.write(`rebuilt ${readModels.join(', ')}: ${events} events replayed in ${Date.now() - started} ms\n`);
};

main().catch((error) => {
  process.stderr.write(error instanceof ConfigurationError ? `${error.message}\n` : `rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
