import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CapacityBuildingContracts, ContractRegistry, Topics } from '@oriental/contracts';
import type { BusBatchContext, DeliveredMessage } from '@oriental/messaging';
import { consumeIntegrationBatch } from '@oriental/service-kit';
import { TrainingReportProjection } from './training-report.projection';

const capacityBuildingContracts = new ContractRegistry(CapacityBuildingContracts);

/** Feeds the training report from capacity building's topic, a lane's batch at a time, stored before it is committed or acknowledged. */
@Controller()
export class TrainingReportConsumer {

  constructor(@Inject(TrainingReportProjection) private readonly projection: TrainingReportProjection) {}

  @EventPattern(Topics.capacityBuilding)
  async onCapacityBuildingEvents(@Payload() messages: DeliveredMessage[], @Ctx() context: BusBatchContext): Promise<void> {
    await consumeIntegrationBatch(capacityBuildingContracts, messages, context, (events) => this.projection.applyBatch(context.getLane(), events));
  }
}
