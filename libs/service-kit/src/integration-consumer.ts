import { ContractRegistry, IntegrationEvent, InvalidEventError } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';

/**
 * Validates and upcasts a batch of messages from the bus, then applies the valid ones, in order,
 * at once. A message that can never be valid would block its partition forever if it were
 * retried, so it is rejected: the transport sends it to the dead-letter queue (with the
 * contract's complaint as the reason) once the others are stored. Any other failure propagates,
 * so the transport retries the batch (and dead-letters a message only after bounded retries of
 * a failure that is not transient: libs/messaging/src/dead-letters/deliver.ts).
 */
export const consumeIntegrationBatch = async (
  registry: ContractRegistry,
  messages: readonly DeliveredMessage[],
  context: Pick<BusBatchContext, 'reject'>,
  apply: (events: IntegrationEvent[]) => Promise<unknown>,
): Promise<void> => {
  const events: IntegrationEvent[] = [];
  for (const message of messages) {
    try {
      events.push(registry.parse(message.value));
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      context.reject(message, `invalid message: ${error.message}`);
    }
  }
  if (events.length > 0) await apply(events);
};
