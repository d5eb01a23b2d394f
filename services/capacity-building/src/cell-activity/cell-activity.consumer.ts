import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { CellActivityProjection } from './cell-activity.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);

/** Feeds cell activity from the intake topic, a batch at a time. */
@Controller()
export class CellActivityConsumer {

  constructor(@Inject(CellActivityProjection) private readonly projection: CellActivityProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
