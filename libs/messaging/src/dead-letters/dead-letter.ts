/**
 * A message a consumer group could not handle, kept with why, so that an operator can find it,
 * replay it once the cause is fixed, or discard it (`npm run dlq`, docs/operations.md).
 */
export interface DeadLetter {
  /** The logical topic it was consumed from (without the deployment's prefix). */
  topic: string;
  /** The consumer group that gave up on it. */
  group: string;
  /** Where it was read (Kafka); absent in-process. */
  partition?: number;
  offset?: string;
  key: string;
  /** Its headers as received (event id, type, trace context…). */
  headers: Record<string, string>;
  /** Its value as received, byte for byte (text), or null. */
  value: string | null;
  reason: string;
  /** ISO 8601. */
  deadLetteredAt: string;
  /** When it failed again on a replay: the dead letter it replayed. */
  replayOf?: string;
}

/**
 * Headers a dead letter carries on `<topic>.dlq` beside the original ones, and the header that
 * marks a replayed message on its way back to the source topic.
 */
export const DeadLetterHeaders = {
  reason: 'dlq-reason',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  group: 'dlq-group',
  deadLetteredAt: 'dlq-dead-lettered-at',
  /** On a replayed message: the dead letter it replays (its id in `npm run dlq -- list`). */
  replayOf: 'dlq-replay-of',
  /** On a marker message of a `.dlq` topic: `replayed` or `discarded`. */
  resolution: 'dlq-resolution',
  /** On a marker: the `<partition>:<offset>` of the dead letter it resolves in the same topic. */
  resolves: 'dlq-resolves',
} as const;

/** The Kafka topic that holds a topic's dead letters. */
export const deadLetterTopic = (wireTopic: string): string => `${wireTopic}.dlq`;

/** Where a dead letter goes: a `.dlq` topic, or the event store in-process. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}
