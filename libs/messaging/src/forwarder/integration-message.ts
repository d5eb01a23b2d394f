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
): BusMessage => {
  const { metadata } = event;
  const envelope: IntegrationEvent<Type, Data> = {
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
  return {
    topic,
    key: metadata.beneficiaryId ?? event.stream,
    value: JSON.stringify(envelope),
    headers: {
      [MessageHeaders.eventId]: event.id,
      [MessageHeaders.eventType]: type,
      [MessageHeaders.schemaVersion]: String(schemaVersion),
    },
  };
};
