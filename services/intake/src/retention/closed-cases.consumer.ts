import { Controller, Inject, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { ClosedCasesProjection } from './closed-cases.projection';

const intakeContracts = new ContractRegistry(IntakeContracts);

/** Feeds the closed cases from intake's own topic; offsets are committed once the batch is stored. */
@Controller()
export class ClosedCasesConsumer {
  private readonly logger = new Logger(ClosedCasesConsumer.name);

  constructor(@Inject(ClosedCasesProjection) private readonly projection: ClosedCasesProjection) {}

  @EventPattern(Topics.intake)
  async onIntakeEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(intakeContracts, messages, this.logger, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
