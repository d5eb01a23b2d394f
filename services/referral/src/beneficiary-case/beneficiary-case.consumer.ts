import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { BeneficiaryCaseProjection, intakeContracts } from './beneficiary-case.projection';

/** Feeds the consent gate and the case facts from the intake topic, a batch at a time. */
@Controller()
export class BeneficiaryCaseConsumer {

  constructor(@Inject(BeneficiaryCaseProjection) private readonly projection: BeneficiaryCaseProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
