import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiResponseOf } from '@oriental/service-kit';
import { z } from 'zod';
import { CellActivityProjection } from './cell-activity.projection';

const cellActivitySchema = z.object({
  registrationsByCell: z.record(z.string(), z.int().nonnegative()).meta({ description: 'Registrations per cell id', example: { oujda: 12, nador: 7 } }),
});

@ApiTags('cell activity')
@Controller('cells')
export class CellActivityQuery {
  constructor(@Inject(CellActivityProjection) private readonly projection: CellActivityProjection) {}

  @Allow('trainer', 'regional_coordinator', 'provincial_coordinator', 'auditor')

  @Get('activity')
  @ApiOperation({ summary: 'Registrations per cell, to plan training where cells are busiest' })
  @ApiResponseOf(200, cellActivitySchema, 'Registrations per cell')
  async activity(): Promise<z.infer<typeof cellActivitySchema>> {
    return { registrationsByCell: await this.projection.registrationsByCell() };
  }
}
