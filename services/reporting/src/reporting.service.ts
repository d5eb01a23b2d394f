import { ServiceDefinition } from '@oriental/service-kit';
import { indicatorReadModels } from './indicators/indicators.module';
import { ReportingModule } from './reporting.module';

export const reportingService: ServiceDefinition = {
  name: 'reporting',
  title: 'Reporting',
  description:
    'Indicators for cells, provinces and the region built from integration events, and auditors\' journey replay read from the event store. Owns no streams.',
  module: ReportingModule,
  port: (config) => config.REPORTING_PORT,
  readModels: (readStore) => indicatorReadModels(readStore),
  consumerGroup: 'reporting',
};
