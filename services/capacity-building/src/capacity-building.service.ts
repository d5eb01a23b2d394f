import { ServiceDefinition } from '@oriental/service-kit';
import { CellActivityProjection } from './cell-activity/cell-activity.projection';
import { CapacityBuildingModule } from './capacity-building.module';
import { capacityBuildingStreamPrefixes, toCapacityBuildingMessage } from './integration/capacity-building-integration-events';

export const capacityBuildingService: ServiceDefinition = {
  name: 'capacity-building',
  title: 'Capacity building',
  description:
    'Training programmes for cell officers, elected officials and civil-society members: programmes, sessions, participants (names encrypted), enrolment with capacity and a waiting list, attendance per session day, pre/post evaluations, completion and certificates anyone can verify by code. Owns the `programme-<id>`, `session-<id>` and `participant-<id>` streams and publishes to the capacity-building topic (never names, trainers nor certificate codes).',
  module: CapacityBuildingModule,
  port: (config) => config.CAPACITY_BUILDING_PORT,
  readModels: (readStore) => [new CellActivityProjection(readStore)],
  consumerGroup: 'capacity-building',
  forwarder: { streamPrefixes: capacityBuildingStreamPrefixes, toMessage: toCapacityBuildingMessage },
};
