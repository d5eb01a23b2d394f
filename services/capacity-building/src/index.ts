export * from './capacity-building.service';
