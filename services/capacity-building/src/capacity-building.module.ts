import { Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { withUpgradeCounts } from '@oriental/service-kit';
import { CellActivityConsumer } from './cell-activity/cell-activity.consumer';
import { CellActivityProjection } from './cell-activity/cell-activity.projection';
import { CellActivityQuery } from './cell-activity/cell-activity.query';

@Module({
  controllers: [CellActivityQuery, CellActivityConsumer],
  providers: [{ provide: CellActivityProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => withUpgradeCounts(new CellActivityProjection(store)) }],
})
export class CapacityBuildingModule {}
