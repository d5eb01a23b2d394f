import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Allow } from '@oriental/service-kit';
import { NetworkFigures, NetworkReportProjection } from './network-report.projection';

/** Counts are whole and never negative: the document says so, for generated clients. */
const count = { type: 'integer', minimum: 0 } as const;

const countsByCell = (description: string, example: Record<string, number>) =>
  ApiProperty({ description, type: 'object', additionalProperties: count, example });

class BeneficiaryCountsDto {
  @ApiProperty({ ...count, description: 'Beneficiaries registered, all time' }) total!: number;
  @countsByCell('Registrations credited to the cell that made them, even after the case moved to another cell', { oujda: 12, nador: 7 })
  byCell!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: count, example: { mre: 10, returnee: 4, rpt: 5 } })
  byCategory!: Record<string, number>;
}

class CaseloadDto {
  @ApiProperty({ ...count, description: 'Cases open now, network-wide (closed cases leave it, reopened ones come back)' }) open!: number;
  @countsByCell('Open cases by the cell each belongs to now: an accepted transfer moves the case to the receiving cell', { oujda: 10, nador: 8 })
  byCell!: Record<string, number>;
}

class NetworkReportDto implements NetworkFigures {
  @ApiProperty({ type: BeneficiaryCountsDto }) beneficiaries!: BeneficiaryCountsDto;
  @ApiProperty({ type: CaseloadDto }) caseload!: CaseloadDto;
}

@ApiTags('reports')
@Controller('reports')
export class NetworkReportQuery {
  constructor(@Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection) {}

  @Allow('auditor', 'regional_coordinator', 'provincial_coordinator')

  @Get('network')
  @ApiOperation({
    summary: 'Beneficiaries across the whole network by registering cell and by category, and the open caseload by current cell',
    description:
      'Each cell is credited with what it did: registrations stay with the cell that registered, while the caseload follows the case (a transfer accepted moves it to the receiving cell).',
  })
  @ApiOkResponse({ type: NetworkReportDto })
  network(): Promise<NetworkReportDto> {
    return this.projection.figures();
  }
}
