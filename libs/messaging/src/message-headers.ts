/**
 * Headers every message carries, on every transport. Trace context uses the W3C names
 * (https://www.w3.org/TR/trace-context/) so any OpenTelemetry-aware consumer continues the trace.
 */
export const MessageHeaders = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/**
 * Span attributes from the OpenTelemetry messaging semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/ and
 * https://opentelemetry.io/docs/specs/semconv/messaging/kafka/). Spelt here because the
 * `semantic-conventions` package keeps them in its unstable entry point.
 */
export const MessagingAttributes = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  batchMessageCount: 'messaging.batch.message_count',
  consumerGroup: 'messaging.consumer.group.name',
  partition: 'messaging.destination.partition.id',
  kafkaMessageKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
} as const;
