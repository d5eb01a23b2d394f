import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PROMETHEUS_CONTENT_TYPE } from '@oriental/telemetry';
import { Public } from '../auth/policy';
import { SERVICE_METRICS } from '../tokens';
import type { ServiceMetrics } from './service-metrics';

const EXAMPLE = [
  '# HELP oriental_http_server_request_duration_seconds HTTP requests answered, by method, route template and status',
  '# UNIT oriental_http_server_request_duration_seconds s',
  '# TYPE oriental_http_server_request_duration_seconds histogram',
  'oriental_http_server_request_duration_seconds_count{service="intake",method="POST",route="/beneficiaries",status_code="201",status_class="2xx"} 50',
  '',
].join('\n');

/**
 * `GET /metrics`: this service's series in the Prometheus text format (docs/operations.md lists
 * them). Public like /health (no personal data: route templates, counts, durations and lags),
 * for a Prometheus on the private network; never rate-limited.
 */
@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(SERVICE_METRICS) private readonly metrics: ServiceMetrics) {}

  @Get()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "This service's metrics in the Prometheus text format 0.0.4: HTTP requests, appends, forwarder, follower, consumer and projection lags, dead letters" })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'One line per series, every one labelled service', content: { 'text/plain': { schema: { type: 'string' }, example: EXAMPLE } } })
  scrape(): Promise<string> {
    return this.metrics.registry.scrape();
  }
}
