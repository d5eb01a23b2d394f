import { networkServices, startNetwork } from '@oriental/network';
import { loadConfig } from '@oriental/service-kit';
import { getJson } from './http-client';
import { Progress } from './progress';
import { sleep } from './stats';

/** The embedded network (`npm start`) in this process, on free ports, logging errors only. */
export interface BenchNetwork {
  urls: Record<string, string>;
  intake: string;
  reporting: string;
  /** From the startNetwork call to every service answering /health with 200. */
  bootMs: number;
  stop(): Promise<void>;
}

/** Every service's /health answers 200, or throws after `timeoutMs` naming the ones that did not. */
export const waitForHealthy = async (urls: readonly string[], timeoutMs = 120_000): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  const pending = new Set(urls);
  while (pending.size > 0) {
    for (const url of [...pending]) {
      const status = await fetch(`${url}/health`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) pending.delete(url);
    }
    if (pending.size === 0) return;
    if (performance.now() > deadline) throw new Error(`not healthy after ${timeoutMs} ms: ${[...pending].join(', ')}`);
    await sleep(10);
  }
};

export const startBenchNetwork = async (dataDir: string): Promise<BenchNetwork> => {
  const started = performance.now();
  const network = await startNetwork(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' }), {
    ports: Object.fromEntries(networkServices.map((service) => [service.name, 0])),
  });
  try {
    await waitForHealthy(Object.values(network.urls));
  } catch (error) {
    await network.stop();
    throw error;
  }
  return {
    urls: network.urls,
    intake: network.urls.intake!,
    reporting: network.urls.reporting!,
    bootMs: performance.now() - started,
    stop: () => network.stop(),
  };
};

/** `beneficiaries.total` of GET /reports/network. */
export const reportTotal = async (reporting: string): Promise<number> =>
  (await getJson<{ beneficiaries: { total: number } }>(`${reporting}/reports/network`)).beneficiaries.total;

/**
 * Polls the network report until it counts `expected` beneficiaries. Throws when the count
 * stops moving for `stallMs`, or goes past `expected` (the bench's own count is wrong then).
 */
export const waitForReportTotal = async (reporting: string, expected: number, progress?: Progress, stallMs = 120_000): Promise<void> => {
  let last = -1;
  let lastMoved = performance.now();
  for (;;) {
    const total = await reportTotal(reporting);
    progress?.update(total);
    if (total === expected) return;
    if (total > expected) throw new Error(`the report counts ${total} beneficiaries, more than the ${expected} in the log`);
    if (total !== last) {
      last = total;
      lastMoved = performance.now();
    } else if (performance.now() - lastMoved > stallMs) {
      throw new Error(`the report is stuck at ${total} of ${expected} beneficiaries for ${stallMs / 1000} s`);
    }
    await sleep(200);
  }
};
