import { LoggerService } from '@nestjs/common';
import { ContractRegistry, IntegrationEvent, InvalidEventError } from '@oriental/contracts';

/**
 * Validates and upcasts a message from the bus, then applies it. A message that can never be
 * valid would block its partition forever if it were retried, so it is logged with its id and
 * skipped (a dead-letter topic comes with the operations milestone); any other failure
 * propagates, so the transport redelivers it.
 */
export const consumeIntegrationMessage = async (
  registry: ContractRegistry,
  message: unknown,
  logger: Pick<LoggerService, 'error'>,
  apply: (event: IntegrationEvent) => Promise<unknown>,
): Promise<void> => {
  let event: IntegrationEvent;
  try {
    event = registry.parse(message);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    logger.error({ msg: 'invalid message skipped', issues: error.issues, id: (message as { id?: unknown } | null)?.id });
    return;
  }
  await apply(event);
};
