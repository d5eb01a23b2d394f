import { fork } from 'node:child_process';
import { join } from 'node:path';

/** What the rebuild is, for the bench's output. */
export const REBUILD_SCOPE = 'every read model of every service (rebuildNetworkReadModels in a process of its own, as npm run rebuild)';

/**
 * Rebuilds the read models of a stopped network's data directory from its log, in a child
 * process as `npm run rebuild` does (the bench process's heap, which hosted the network, would
 * slow it down); answers the events it replayed and how long the rebuild took.
 */
export const rebuildReadModels = (dataDir: string, onProgress?: (events: number) => void): Promise<{ events: number; seconds: number }> =>
  new Promise((resolve, reject) => {
    let result: { events: number; seconds: number } | undefined;
    const child = fork(join(__dirname, 'rebuild.child.ts'), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: { done?: number; events?: number; seconds?: number }) => {
      if (message.done !== undefined) onProgress?.(message.done);
      if (message.events !== undefined) result = { events: message.events, seconds: message.seconds! };
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 && result ? resolve(result) : reject(new Error(`rebuilding ${dataDir} failed (exit ${code ?? signal})`))));
  });
