import { Global, Logger, Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import type { ReadModel } from '@oriental/service-kit';
import type { Period, PlacedCounts } from './dated-counts';
import { FollowUpsReportQuery } from '../network-report/follow-ups-report.query';
import { NeedsReportQuery } from '../network-report/needs-report.query';
import { NetworkReportConsumer } from '../network-report/network-report.consumer';
import { NetworkReportProjection } from '../network-report/network-report.projection';
import { NetworkReportQuery } from '../network-report/network-report.query';
import { TransfersReportQuery } from '../network-report/transfers-report.query';
import { ReferralReportConsumer } from '../referral-report/referral-report.consumer';
import { ReferralReportProjection } from '../referral-report/referral-report.projection';
import { ReferralReportQuery } from '../referral-report/referral-report.query';
import { TrainingReportConsumer } from '../training-report/training-report.consumer';
import { TrainingReportProjection } from '../training-report/training-report.projection';
import { TrainingReportQuery } from '../training-report/training-report.query';

/** A read model behind `/reports/*`: its documents, and its counts of a period. */
export type IndicatorReadModel = ReadModel & { documents: ReadModel['collections'][number]; counts(period?: Period): Promise<PlacedCounts> };

/** Every read model behind `/reports/*`, for rebuilds (`npm run rebuild -- <name>`); the module builds its own for the consumers. */
export const indicatorReadModels = (readStore: ReadStore): IndicatorReadModel[] => [
  new NetworkReportProjection(readStore),
  new ReferralReportProjection(readStore),
  new TrainingReportProjection(readStore),
];

/** Built before the consumers start, so a read store from before dated counters is counted before any live batch. */
const networkReport = async (store: ReadStore): Promise<NetworkReportProjection> => {
  const projection = new NetworkReportProjection(store);
  const counted = await projection.countAtUpgrade();
  if (counted > 0) new Logger(projection.name).log(`counted ${counted} documents stored before the report kept dated counters`);
  return projection;
};

/**
 * The network's indicators (docs/indicators.md): each read model with its consumer, and the
 * `/reports/<indicator>` queries it serves. Its read models are exported to the whole service:
 * the hub's snapshot reads the network report too.
 */
@Global()
@Module({
  controllers: [
    NetworkReportQuery,
    NeedsReportQuery,
    FollowUpsReportQuery,
    TransfersReportQuery,
    NetworkReportConsumer,
    ReferralReportQuery,
    ReferralReportConsumer,
    TrainingReportQuery,
    TrainingReportConsumer,
  ],
  providers: [
    { provide: NetworkReportProjection, inject: [READ_STORE], useFactory: networkReport },
    { provide: ReferralReportProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new ReferralReportProjection(store) },
    { provide: TrainingReportProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new TrainingReportProjection(store) },
  ],
  exports: [NetworkReportProjection, ReferralReportProjection, TrainingReportProjection],
})
export class IndicatorsModule {}
