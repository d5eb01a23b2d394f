import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, openInfrastructure } from '@oriental/service-kit';
import { countIntakeEvents, rebuildNetworkReport } from './network-report/rebuild-network-report';

/**
 * `npm run rebuild [-- network-report]`: drops the reporting read models and replays them from
 * the event store. With the embedded read store, stop the network first (it holds the read
 * models in memory); against MongoDB it can run beside live consumers, which skip what the
 * rebuild already applied.
 */
const projections = { 'network-report': true } as const;

const main = async () => {
  const requested = process.argv[2] ?? 'network-report';
  if (!(requested in projections)) {
    process.stderr.write(`Unknown projection "${requested}". Known: ${Object.keys(projections).join(', ')}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const infrastructure = await openInfrastructure({ ...config, BUS: 'memory' }, 'reporting');
  const total = await countIntakeEvents(infrastructure.eventStore);
  const bar = new SingleBar({ format: `rebuilding ${requested} [{bar}] {percentage}% | {value}/{total} events | {duration}s` }, Presets.shades_classic);
  bar.start(total, 0);
  const started = Date.now();
  const { events } = await rebuildNetworkReport(infrastructure.eventStore, infrastructure.readStore, (done) => bar.update(Math.min(done, total)));
  bar.update(total);
  bar.stop();
  const documents = await infrastructure.readStore.collection('reporting_network_beneficiaries').count();
  process.stdout.write(`rebuilt ${requested}: ${events} events replayed, ${documents} beneficiaries, ${Date.now() - started} ms\n`);
  await infrastructure.readStore.close();
  await infrastructure.eventStore.close();
};

main().catch((error) => {
  process.stderr.write(`rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
