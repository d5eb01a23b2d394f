import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { CaseFollowUpsProjection } from './case-follow-ups.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);

/**
 * Feeds the cases' follow-ups from intake's own topic, a batch at a time: intake reads its
 * published language like any other context would. The handler resolves once the batch is
 * stored; only then does the transport commit the offsets (Kafka) or ack the publish (memory).
 */
@Controller()
export class CaseFollowUpsConsumer {
  private readonly logger = new Logger(CaseFollowUpsConsumer.name);

  constructor(@Inject(CaseFollowUpsProjection) private readonly projection: CaseFollowUpsProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, this.logger, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
