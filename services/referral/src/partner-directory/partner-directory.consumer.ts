import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { PartnerDirectoryProjection, referralContracts } from './partner-directory.projection';

/** Feeds the partner directory from referral's own topic (partner events), a batch at a time. */
@Controller()
export class PartnerDirectoryConsumer {

  constructor(@Inject(PartnerDirectoryProjection) private readonly projection: PartnerDirectoryProjection) {}

  @EventPattern(Topics.referral)
  async onReferralEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(referralContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
