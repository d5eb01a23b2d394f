/** A message as it crosses the bus: the value is an `IntegrationEvent` serialised as JSON. */
export interface BusMessage {
  topic: string;
  /** Partitioning key: the beneficiary id, so one journey stays in order. */
  key: string;
  value: string;
  /** W3C trace context and event identity travel here (`traceparent`, `event-id`, `event-type`). */
  headers: Record<string, string>;
}

/**
 * The producing side of the bus. `publish` resolves only once the broker acknowledged every
 * message (Kafka: acks from all in-sync replicas), so the caller may then store its checkpoint.
 */
export interface EventBus {
  readonly kind: string;
  publish(messages: readonly BusMessage[]): Promise<void>;
  health(): Promise<{ status: 'up' | 'down'; kind: string; details?: Record<string, unknown> }>;
  close(): Promise<void>;
}
