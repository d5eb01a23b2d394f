import { ServiceDefinition } from '@oriental/service-kit';
import { CellActivityProjection } from './cell-activity/cell-activity.projection';
import { CapacityBuildingModule } from './capacity-building.module';

export const capacityBuildingService: ServiceDefinition = {
  name: 'capacity-building',
  title: 'Capacity building',
  description:
    'Training programmes for cell officers, elected officials and civil-society members: sessions, enrolment, attendance, certificates. Owns `training-<id>` and `participant-<id>` streams.',
  module: CapacityBuildingModule,
  port: (config) => config.CAPACITY_BUILDING_PORT,
  readModels: (readStore) => [new CellActivityProjection(readStore)],
  consumerGroup: 'capacity-building',
  forwarder: { streamPrefixes: ['training-', 'participant-'], toMessage: () => null },
};
