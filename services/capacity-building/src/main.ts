import './tracing';
import { runStandalone } from '@oriental/service-kit';
import { capacityBuildingService } from './capacity-building.service';

void runStandalone(capacityBuildingService);
