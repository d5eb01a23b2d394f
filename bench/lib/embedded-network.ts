import { networkServices, startNetwork } from '@oriental/network';
import { compareLogPositions } from '@oriental/read-store';
import { loadConfig } from '@oriental/service-kit';
import { BenchTokens, benchTokens } from './bench-tokens';
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
  /** Tokens of the network's issuer: every call but /health carries one. */
  tokens: BenchTokens;
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
  // One client posting thousands of requests a second is the benchmark, not an abuser: no rate limit.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
  const network = await startNetwork(config, {
    ports: Object.fromEntries(networkServices.map((service) => [service.name, 0])),
  });
  let tokens: BenchTokens;
  try {
    await waitForHealthy(Object.values(network.urls));
    tokens = await benchTokens(config);
  } catch (error) {
    await network.stop();
    throw error;
  }
  return {
    urls: network.urls,
    intake: network.urls.intake!,
    reporting: network.urls.reporting!,
    bootMs: performance.now() - started,
    tokens,
    stop: () => network.stop(),
  };
};

/** `beneficiaries.total` of GET /reports/network, read with `authorization` (an auditor's, e.g. BenchTokens.auditor). */
export const reportTotal = async (reporting: string, authorization: string): Promise<number> =>
  (await getJson<{ beneficiaries: { total: number } }>(`${reporting}/reports/network`, { authorization })).beneficiaries.total;

/**
 * Polls the network report until it counts `expected` beneficiaries. Throws when the count
 * stops moving for `stallMs`, or goes past `expected` (the bench's own count is wrong then).
 */
export const waitForReportTotal = async (reporting: string, authorization: string, expected: number, progress?: Progress, stallMs = 120_000): Promise<void> => {
  let last = -1;
  let lastMoved = performance.now();
  for (;;) {
    const total = await reportTotal(reporting, authorization);
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

interface FollowerCheck {
  details?: { lastPosition?: string; lastError?: string };
}

/**
 * Waits until every log follower a service shows on /health (e.g. intake's duplicate index)
 * has reached `head`, the position of the log's last event: the network has caught up, so
 * later figures measure requests, not a catch-up running beside them. Fails when one makes no
 * progress for `stallMs`.
 */
export const waitForFollowers = async (urls: readonly string[], head: string, stallMs = 120_000): Promise<void> => {
  let lastProgress = '';
  let movedAt = performance.now();
  for (;;) {
    const behind: string[] = [];
    for (const url of urls) {
      // A 503 (a part down) still lists the followers; an unreachable service counts as behind.
      const health = (await fetch(`${url}/health`).then((response) => response.json(), () => undefined)) as
        | { checks?: { followers?: Record<string, FollowerCheck> } }
        | undefined;
      if (!health) behind.push(`${url} unreachable`);
      for (const [name, check] of Object.entries(health?.checks?.followers ?? {})) {
        const reached = check.details?.lastPosition;
        if (reached === undefined || compareLogPositions(reached, head) < 0) behind.push(`${name} at ${reached ?? 'the start'}`);
      }
    }
    if (behind.length === 0) return;
    const progress = behind.join(', ');
    if (progress !== lastProgress) {
      lastProgress = progress;
      movedAt = performance.now();
    } else if (performance.now() - movedAt > stallMs) {
      throw new Error(`log followers stuck short of ${head} for ${stallMs / 1000} s: ${progress}`);
    }
    await sleep(500);
  }
};

