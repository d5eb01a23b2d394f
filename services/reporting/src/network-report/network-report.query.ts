import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { NetworkReportProjection } from './network-report.projection';

class BeneficiaryCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { oujda: 12, nador: 7 } })
  byCell!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { mre: 10, returnee: 4, rpt: 5 } })
  byCategory!: Record<string, number>;
}

class NetworkReportDto {
  @ApiProperty({ type: BeneficiaryCountsDto }) beneficiaries!: BeneficiaryCountsDto;
}

@ApiTags('reports')
@Controller('reports')
export class NetworkReportQuery {
  constructor(@Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection) {}

  @Get('network')
  @ApiOperation({ summary: 'Beneficiaries across the whole network, by cell and by category' })
  @ApiOkResponse({ type: NetworkReportDto })
  async network(): Promise<NetworkReportDto> {
    return { beneficiaries: await this.projection.figures() };
  }
}
