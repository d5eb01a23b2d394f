import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, ReferralContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { ReferralReportProjection } from './referral-report.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);
const referralContracts = new ContractRegistry(ReferralContracts);

/**
 * Feeds the referrals report from two topics: intake's (who the beneficiary is: category,
 * consent to statistics) and referral's. Each batch is one lane of one topic, stored before
 * the transport commits or acknowledges it.
 */
@Controller()
export class ReferralReportConsumer {

  constructor(@Inject(ReferralReportProjection) private readonly projection: ReferralReportProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }

  @EventPattern(Topics.referral)
  async onReferralEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(referralContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
