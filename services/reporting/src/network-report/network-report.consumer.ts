import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { intakeContracts, NetworkReportProjection } from './network-report.projection';

/**
 * Feeds the network report from the intake topic, a batch at a time. The handler resolves only
 * once the batch is stored; only then does the transport commit the offsets (Kafka) or ack the
 * publish (memory).
 */
@Controller()
export class NetworkReportConsumer {

  constructor(@Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
