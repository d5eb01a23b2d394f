import { rebuildNetworkReadModels } from '@oriental/network';
import { loadConfig } from '@oriental/service-kit';

/** What the rebuild is, for the bench's output. */
export const REBUILD_SCOPE = 'every read model of every service (rebuildNetworkReadModels, as npm run rebuild)';

/**
 * Rebuilds the read models of a stopped network's data directory from its log, as
 * `npm run rebuild` does; answers the events it replayed and how long that took.
 */
export const rebuildReadModels = async (dataDir: string, onProgress?: (events: number) => void): Promise<{ events: number; seconds: number }> => {
  const started = performance.now();
  const { events } = await rebuildNetworkReadModels(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }), onProgress);
  return { events, seconds: (performance.now() - started) / 1000 };
};
