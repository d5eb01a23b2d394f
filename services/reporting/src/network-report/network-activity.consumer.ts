import { Controller, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import { consumeIntegrationMessage } from '@oriental/service-kit';
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
    await consumeIntegrationMessage(intakeContracts, message, this.logger, (event) => this.projection.apply(event));
  }
}
