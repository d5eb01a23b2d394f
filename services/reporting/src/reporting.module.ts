import { Logger, Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { withUpgradeCounts } from '@oriental/service-kit';
import { AccessLogQuery } from './access-log/access-log.query';
import { HubModule } from './hub/hub.module';
import { JourneyQuery } from './journeys/journey.query';
import { VerifyJourneyQuery } from './journeys/verify-journey.query';
import { NetworkReportConsumer } from './network-report/network-report.consumer';
import { NetworkReportProjection } from './network-report/network-report.projection';
import { NetworkReportQuery } from './network-report/network-report.query';

/** Built before the consumers start, so the upgrade counts run before any live batch. */
const networkReport = async (store: ReadStore): Promise<NetworkReportProjection> => {
  const projection = await withUpgradeCounts(new NetworkReportProjection(store));
  const counted = await projection.countCaseloadAtUpgrade();
  if (counted > 0) new Logger(projection.name).log(`counted the caseload of ${counted} documents stored before the report followed transfers`);
  return projection;
};

@Module({
  imports: [HubModule],
  controllers: [NetworkReportQuery, JourneyQuery, AccessLogQuery, VerifyJourneyQuery, NetworkReportConsumer],
  providers: [{ provide: NetworkReportProjection, inject: [READ_STORE], useFactory: networkReport }],
})
export class ReportingModule {}
