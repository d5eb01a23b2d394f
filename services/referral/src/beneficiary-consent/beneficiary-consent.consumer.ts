import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { BeneficiaryConsentProjection } from './beneficiary-consent.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);

/** Feeds the consent gate from the intake topic, a batch at a time. */
@Controller()
export class BeneficiaryConsentConsumer {
  private readonly logger = new Logger('intake-consumer');

  constructor(@Inject(BeneficiaryConsentProjection) private readonly projection: BeneficiaryConsentProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, this.logger, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
