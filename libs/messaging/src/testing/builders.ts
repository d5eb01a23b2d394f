import { randomUUID } from 'node:crypto';
import { NewEvent, StoredEvent } from '@oriental/contracts';
import { BusMessage, EventBus } from '../event-bus.port';
import { integrationMessage } from '../forwarder/integration-message';

/** A valid event about a beneficiary (domain-free: the messaging library does not care what happened). */
export const anEvent = (overrides: Partial<NewEvent> & { beneficiaryId?: string } = {}): NewEvent => {
  const { beneficiaryId = randomUUID(), ...rest } = overrides;
  return {
    id: randomUUID(),
    type: 'SomethingHappened',
    schemaVersion: 1,
    data: { n: 0 },
    ...rest,
    metadata: {
      beneficiaryId,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: 'user-1',
      cellId: 'cell-oujda',
      occurredAt: '2025-07-01T10:00:00.000Z',
      ...rest.metadata,
    },
  };
};

/** Publishes every event as an integration event on `topic`, with its data unchanged. */
export const publishAllTo =
  (topic: string) =>
  (event: StoredEvent): BusMessage =>
    integrationMessage(topic, event, event.type, event.schemaVersion, event.data);

/** Wraps a bus so its next `failures` publishes reject before reaching it (a broker outage). */
export class FlakyBus implements EventBus {
  readonly kind: string;
  /** Every publish call, failed ones included, as the forwarder made it. */
  readonly attempts: BusMessage[][] = [];

  constructor(
    readonly inner: EventBus,
    public failures: number,
  ) {
    this.kind = inner.kind;
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.attempts.push([...messages]);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('broker unavailable');
    }
    await this.inner.publish(messages);
  }

  health() {
    return this.inner.health();
  }

  close() {
    return this.inner.close();
  }
}

/** A bus that only records what it acknowledged. */
export class RecordingBus implements EventBus {
  readonly kind = 'in-memory';
  readonly messages: BusMessage[] = [];

  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.messages.push(...messages);
  }

  async health() {
    return { status: 'up' as const, kind: this.kind };
  }

  async close(): Promise<void> {
    return undefined;
  }
}
