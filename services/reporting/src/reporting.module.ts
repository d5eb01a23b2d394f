import { Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { withUpgradeCounts } from '@oriental/service-kit';
import { JourneyQuery } from './journeys/journey.query';
import { NetworkActivityConsumer } from './network-report/network-activity.consumer';
import { NetworkReportProjection } from './network-report/network-report.projection';
import { NetworkReportQuery } from './network-report/network-report.query';

@Module({
  controllers: [NetworkReportQuery, JourneyQuery, NetworkActivityConsumer],
  providers: [{ provide: NetworkReportProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => withUpgradeCounts(new NetworkReportProjection(store)) }],
})
export class ReportingModule {}
