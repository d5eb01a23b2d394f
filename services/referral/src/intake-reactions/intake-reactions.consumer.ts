import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { intakeContracts } from '../beneficiary-case/beneficiary-case.projection';
import { IntakeReactions } from './intake-reactions.handler';

/**
 * Reacts to intake's facts about cases, a batch at a time, in order. A failure rejects the batch,
 * so the transport delivers it again; the reactions are idempotent.
 */
@Controller()
export class IntakeReactionsConsumer {
  constructor(@Inject(IntakeReactions) private readonly reactions: IntakeReactions) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, async (events) => {
      for (const event of events) await this.reactions.react(event);
    });
  }
}
