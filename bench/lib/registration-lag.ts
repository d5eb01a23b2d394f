import { randomUUID } from 'node:crypto';
import { aRegistrationBody } from '@oriental/intake/testing';
import { agentOf, BenchTokens } from './bench-tokens';
import { reportTotal } from './embedded-network';
import { Progress, progressBar } from './progress';
import { percentile, sleep } from './stats';

export interface LagResult {
  requested: number;
  answered: number;
  /** Registrations answered per second, from the first scheduled send to the last answer. */
  achievedRate: number;
  postP50: number;
  postP99: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Report polls made, and their own latency (the lag's resolution is the poll period plus this). */
  polls: number;
  pollP50: number;
}

const POLL_EVERY_MS = 20;

/** One registration, by an agent of its cell. */
const register = async (intake: string, tokens: BenchTokens): Promise<void> => {
  const body = aRegistrationBody();
  const response = await fetch(`${intake}/beneficiaries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), authorization: agentOf(tokens, body.cellId) },
    body: JSON.stringify(body),
  });
  const answer = await response.text();
  if (response.status !== 201) throw new Error(`POST /beneficiaries answered ${response.status}: ${answer.slice(0, 300)}`);
};

/** Posts `count` registrations one after the other and waits until the report counts them: topics, groups and caches are warm after it. */
export const warmUp = async (intake: string, reporting: string, tokens: BenchTokens, count: number, timeoutMs = 60_000): Promise<void> => {
  const before = await reportTotal(reporting, tokens.auditor);
  for (let i = 0; i < count; i++) await register(intake, tokens);
  const deadline = performance.now() + timeoutMs;
  while ((await reportTotal(reporting, tokens.auditor)) < before + count) {
    if (performance.now() > deadline) throw new Error(`the report did not count ${count} warm-up registrations within ${timeoutMs / 1000} s`);
    await sleep(POLL_EVERY_MS);
  }
};

/**
 * Registration → report lag at a steady rate. Registrations are sent on an open-loop schedule
 * (the i-th at start + i/rate, however long earlier ones take, as many in flight as needed),
 * while GET /reports/network is polled every 20 ms. Registrations are ordered by the time their
 * answer arrived; the k-th is counted once the report's total first reaches base + k, and its
 * lag runs from its answer to the poll answer that showed that total (0 if the report counted it
 * before its answer arrived). POST latency runs from the scheduled send, so a server that falls
 * behind shows in it (no coordinated omission).
 */
export const measureLag = async (
  intake: string,
  reporting: string,
  tokens: BenchTokens,
  { rate, seconds, drainTimeoutMs = 60_000 }: { rate: number; seconds: number; drainTimeoutMs?: number },
): Promise<LagResult> => {
  const base = await reportTotal(reporting, tokens.auditor);
  const requested = Math.round(rate * seconds);
  const answeredAt: number[] = [];
  const postLatencies: number[] = [];
  const polls: { at: number; total: number }[] = [];
  const pollLatencies: number[] = [];
  const failures: unknown[] = [];
  let polling = true;
  let pollError: unknown;

  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      const total = await reportTotal(reporting, tokens.auditor);
      const at = performance.now();
      polls.push({ at, total: total - base });
      pollLatencies.push(at - started);
      await sleep(started + POLL_EVERY_MS - performance.now());
    }
  })().catch((error: unknown) => {
    pollError = error;
  });

  const bar: Progress = progressBar(`posting at ${rate}/s`, requested, 'registrations');
  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < requested; i++) {
    const scheduled = start + (i * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      register(intake, tokens).then(
        () => {
          const now = performance.now();
          answeredAt.push(now);
          postLatencies.push(now - scheduled);
          bar.update(answeredAt.length);
        },
        (error: unknown) => {
          failures.push(error);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  bar.stop();
  const lastAnswer = Math.max(...answeredAt);

  // Drain: keep polling until the report counts every answered registration.
  const deadline = performance.now() + drainTimeoutMs;
  while (pollError === undefined && (polls.at(-1)?.total ?? 0) < answeredAt.length && performance.now() < deadline) await sleep(POLL_EVERY_MS);
  polling = false;
  await poller;
  if (pollError !== undefined) throw pollError;
  if (failures.length > 0) throw new Error(`${failures.length} of ${requested} registrations failed; first: ${String(failures[0])}`);
  const reached = polls.at(-1)?.total ?? 0;
  if (reached < answeredAt.length) throw new Error(`the report counted ${reached} of ${answeredAt.length} registrations ${drainTimeoutMs / 1000} s after the last answer`);

  const lags: number[] = [];
  let poll = 0;
  for (let k = 1; k <= answeredAt.length; k++) {
    while (polls[poll]!.total < k) poll++;
    lags.push(Math.max(0, polls[poll]!.at - answeredAt[k - 1]!));
  }
  return {
    requested,
    answered: answeredAt.length,
    achievedRate: answeredAt.length / ((lastAnswer - start) / 1000),
    postP50: percentile(postLatencies, 50),
    postP99: percentile(postLatencies, 99),
    lagP50: percentile(lags, 50),
    lagP99: percentile(lags, 99),
    lagMax: Math.max(...lags),
    polls: polls.length,
    pollP50: percentile(pollLatencies, 50),
  };
};
