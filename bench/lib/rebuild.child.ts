/**
 * Child process of `rebuildReadModels`: node -r ./tools/register.js rebuild.child.ts <dataDir>.
 * Rebuilds as `npm run rebuild` does, in a process of its own as that command runs, and
 * reports progress and the time the rebuild itself took (not the process's boot) to its parent.
 */
import { rebuildNetworkReadModels } from '@oriental/network';
import { loadConfig } from '@oriental/service-kit';

const [dataDir] = process.argv.slice(2);
process.on('disconnect', () => process.exit(1));

const main = async () => {
  const started = performance.now();
  const { events } = await rebuildNetworkReadModels(loadConfig({ DATA_DIR: dataDir!, LOG_LEVEL: 'error' }), { onProgress: (done) => process.send?.({ done }) });
  process.send?.({ events, seconds: (performance.now() - started) / 1000 }, () => process.exit(0));
};

main().catch((error: unknown) => {
  process.stderr.write(`rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
