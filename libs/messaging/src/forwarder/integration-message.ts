import { IntegrationEvent, StoredEvent } from '@oriental/contracts';
import { BusMessage } from '../event-bus.port';
import { MessageHeaders } from '../message-headers';

/**
 * Builds the bus message for a stored event: the value is the `IntegrationEvent` envelope (no
 * personal data: `data` is what the caller chose to publish), keyed by beneficiary id so one
 * journey stays on one partition, in order; events about no beneficiary are keyed by stream.
 *
 * The envelope keeps the source event's id, so consumers de-duplicate redeliveries by it.
 */
export const integrationMessage = <Type extends string, Data>(
  topic: string,
  event: StoredEvent,
  type: Type,
  schemaVersion: number,
  data: Data,
): BusMessage => ({
  topic,
  key: event.metadata.beneficiaryId ?? event.stream,
  value: JSON.stringify(integrationEvent(event, type, schemaVersion, data)),
  headers: {
    [MessageHeaders.eventId]: event.id,
    [MessageHeaders.eventType]: type,
    [MessageHeaders.schemaVersion]: String(schemaVersion),
  },
});

/**
 * The envelope alone, for readers that replay the store rather than the bus (a projection
 * rebuild), so that they see what the bus carried without a round trip through JSON.
 */
export const integrationEvent = <Type extends string, Data>(
  event: StoredEvent,
  type: Type,
  schemaVersion: number,
  data: Data,
): IntegrationEvent<Type, Data> => {
  const { metadata } = event;
  return {
    id: event.id,
    type,
    schemaVersion,
    source: { stream: event.stream, revision: event.revision, position: event.position },
    ...(metadata.beneficiaryId ? { beneficiaryId: metadata.beneficiaryId } : {}),
    ...(metadata.cellId ? { cellId: metadata.cellId } : {}),
    occurredAt: metadata.occurredAt,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    actor: metadata.actor,
    data,
  };
};
