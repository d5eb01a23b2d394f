import { Module } from '@nestjs/common';
import { IndicatorsModule } from '../indicators/indicators.module';
import { HubFeed } from './hub-feed';
import { HubFeedQuery } from './hub-feed.query';
import { HubSnapshotQuery } from './hub-snapshot.query';

/**
 * The coordination hub: a live feed of the network's activity, read from the event store (like
 * the journeys), not from the bus; and a snapshot of its figures per cell, read from the
 * indicators' read models (which the indicators module keeps; the hub only reads them).
 */
@Module({
  imports: [IndicatorsModule],
  controllers: [HubFeedQuery, HubSnapshotQuery],
  providers: [HubFeed],
})
export class HubModule {}
