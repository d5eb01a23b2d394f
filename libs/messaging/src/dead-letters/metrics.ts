import { Counter, Meter, MeterProvider, metrics } from '@opentelemetry/api';
import type { DeadLetter } from './dead-letter';

/**
 * The messaging library's instruments, on whatever MeterProvider the process installed
 * (libs/telemetry): created again when the provider changes, so that an instrument made before
 * the provider was set (the API's no-op) is not kept for good.
 */
let current: { provider: MeterProvider; meter: Meter; deadLetters: Counter } | undefined;

export const messagingMeter = (): { meter: Meter; deadLetters: Counter } => {
  const provider = metrics.getMeterProvider();
  if (current?.provider !== provider) {
    const meter = provider.getMeter('@oriental/messaging');
    current = {
      provider,
      meter,
      deadLetters: meter.createCounter('oriental_dead_letters', {
        description: 'Messages a consumer group set aside as dead letters (invalid, or failing after bounded retries)',
      }),
    };
  }
  return current;
};

/** `invalid` (fails its contract) or `handler-failed` (a non-transient failure after retries): a label of few values. */
export const deadLetterKind = (letter: DeadLetter): 'invalid' | 'handler-failed' => (letter.reason.startsWith('invalid message') ? 'invalid' : 'handler-failed');

export const countDeadLetters = (letters: readonly DeadLetter[]): void => {
  const { deadLetters } = messagingMeter();
  for (const letter of letters) deadLetters.add(1, { topic: letter.topic, group: letter.group, reason: deadLetterKind(letter) });
};

/** Forwarders alive in this process, and how many events each holds parked. */
const parkedCounts = new Map<string, () => number>();
let parkedGauge: { provider: MeterProvider } | undefined;

/**
 * Shows a forwarder's parked events as `oriental_forwarder_parked_events{forwarder}` for as long
 * as it runs; answers the function that stops showing it.
 */
export const watchParkedEvents = (forwarder: string, count: () => number): (() => void) => {
  parkedCounts.set(forwarder, count);
  const { meter } = messagingMeter();
  if (parkedGauge?.provider !== metrics.getMeterProvider()) {
    parkedGauge = { provider: metrics.getMeterProvider() };
    meter
      .createObservableGauge('oriental_forwarder_parked_events', { description: 'Events a forwarder parked (unmappable, or waiting behind one of their stream) and nobody replayed or discarded yet' })
      .addCallback((result) => {
        for (const [name, parked] of parkedCounts) result.observe(parked(), { forwarder: name });
      });
  }
  return () => {
    if (parkedCounts.get(forwarder) === count) parkedCounts.delete(forwarder);
  };
};
