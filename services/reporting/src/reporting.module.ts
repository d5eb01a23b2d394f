import { Module } from '@nestjs/common';
import { AccessLogQuery } from './access-log/access-log.query';
import { HubModule } from './hub/hub.module';
import { IndicatorsModule } from './indicators/indicators.module';
import { JourneyQuery } from './journeys/journey.query';
import { VerifyJourneyQuery } from './journeys/verify-journey.query';

@Module({
  imports: [IndicatorsModule, HubModule],
  controllers: [JourneyQuery, AccessLogQuery, VerifyJourneyQuery],
})
export class ReportingModule {}
