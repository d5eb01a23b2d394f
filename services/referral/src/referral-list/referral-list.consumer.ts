import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { referralContracts } from '../partner-directory/partner-directory.projection';
import { ReferralListProjection } from './referral-list.projection';

/** Feeds the referral lists from referral's own topic, a batch at a time. */
@Controller()
export class ReferralListConsumer {

  constructor(@Inject(ReferralListProjection) private readonly projection: ReferralListProjection) {}

  @EventPattern(Topics.referral)
  async onReferralEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(referralContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
