import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CellActivityProjection } from './cell-activity.projection';

@ApiTags('cell activity')
@Controller('cells')
export class CellActivityQuery {
  constructor(@Inject(CellActivityProjection) private readonly projection: CellActivityProjection) {}

  @Get('activity')
  @ApiOperation({ summary: 'Registrations per cell, to plan training where cells are busiest' })
  @ApiOkResponse({ description: '{ registrationsByCell: { cellId: count } }' })
  async activity(): Promise<{ registrationsByCell: Record<string, number> }> {
    return { registrationsByCell: await this.projection.registrationsByCell() };
  }
}
