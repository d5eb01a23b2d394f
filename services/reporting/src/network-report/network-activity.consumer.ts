import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { InvalidEventError, Topics } from '@oriental/contracts';
import { intakeContracts, NetworkReportProjection } from './network-report.projection';

/**
 * Feeds the network report from the intake topic. The handler resolves only once the document
 * is stored; only then does the transport commit the offset (Kafka) or ack the publish (memory).
 */
@Controller()
export class NetworkActivityConsumer {
  private readonly logger = new Logger(NetworkActivityConsumer.name);

  constructor(@Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvent(@Payload() message: unknown): Promise<void> {
    let event;
    try {
      event = intakeContracts.parse(message);
    } catch (error) {
      // A message that can never be valid would block its partition forever if retried:
      // log it with its id and move on (a dead-letter topic comes with the operations milestone).
      if (error instanceof InvalidEventError) {
        this.logger.error({ msg: 'invalid intake message skipped', issues: error.issues, id: (message as { id?: unknown })?.id });
        return;
      }
      throw error;
    }
    await this.projection.apply(event);
  }
}
