import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { CaseFollowUpsProjection } from './overdue-follow-ups/case-follow-ups.projection';
import { ClosedCasesProjection } from './retention/closed-cases.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);

/**
 * Feeds intake's read models from its own topic, a batch at a time: intake reads its published
 * language like any other context would. One consumer for the topic, so each message is parsed
 * once for every read model; the handler resolves once every one has stored the batch, and only
 * then does the transport commit the offsets (Kafka) or ack the publish (memory). A redelivery
 * after a partial failure is harmless: each projection skips what it already applied.
 */
@Controller()
export class IntakeTopicConsumer {

  constructor(
    @Inject(CaseFollowUpsProjection) private readonly followUps: CaseFollowUpsProjection,
    @Inject(ClosedCasesProjection) private readonly closedCases: ClosedCasesProjection,
  ) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, async (events) => {
      await this.followUps.applyBatch(context.getLane(), events);
      await this.closedCases.applyBatch(context.getLane(), events);
    });
  }
}
