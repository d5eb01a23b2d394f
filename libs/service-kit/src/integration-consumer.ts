import { LoggerService } from '@nestjs/common';
import { ContractRegistry, IntegrationEvent, InvalidEventError } from '@oriental/contracts';
import type { DeliveredMessage } from '@oriental/messaging';

/**
 * Validates and upcasts a batch of messages from the bus, then applies the valid ones, in order,
 * at once. A message that can never be valid would block its partition forever if it were
 * retried, so it is logged with its id and skipped (a dead-letter topic comes with the
 * operations milestone); any other failure propagates, so the transport redelivers the batch.
 */
export const consumeIntegrationBatch = async (
  registry: ContractRegistry,
  messages: readonly DeliveredMessage[],
  logger: Pick<LoggerService, 'error'>,
  apply: (events: IntegrationEvent[]) => Promise<unknown>,
): Promise<void> => {
  const events: IntegrationEvent[] = [];
  for (const { value } of messages) {
    try {
      events.push(registry.parse(value));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.error({ msg: 'invalid message skipped', issues: error.issues, id: (value as { id?: unknown } | null)?.id });
    }
  }
  if (events.length > 0) await apply(events);
};
