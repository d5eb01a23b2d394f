import { Module } from '@nestjs/common';
import { HubFeed } from './hub-feed';
import { HubFeedQuery } from './hub-feed.query';

/**
 * The coordination hub: a live feed of the network's activity, read from the event store (like
 * the journeys), not from the bus.
 */
@Module({
  controllers: [HubFeedQuery],
  providers: [HubFeed],
})
export class HubModule {}
