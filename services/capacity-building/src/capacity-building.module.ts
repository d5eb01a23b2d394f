import { Module } from '@nestjs/common';
import { CellActivityProjection } from './cell-activity/cell-activity.projection';

@Module({ controllers: [CellActivityProjection] })
export class CapacityBuildingModule {}
