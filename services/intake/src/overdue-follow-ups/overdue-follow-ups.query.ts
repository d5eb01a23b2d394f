import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isoDate } from '@oriental/contracts';
import { dayOf } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { ApiProblemResponse, ApiResponseOf, CLOCK, Clock, NotFound, REFERENCE_DATA } from '@oriental/service-kit';
import { z } from 'zod';
import { CaseFollowUpsProjection } from './case-follow-ups.projection';

export const overdueFollowUpsAnswer = z.object({
  cellId: z.string(),
  today: isoDate.meta({ description: 'The day the list was read (UTC): follow-ups due before it are overdue' }),
  followUps: z.array(z.object({ beneficiaryId: z.uuid(), followUpId: z.uuid(), dueDate: isoDate, scheduledAt: z.iso.datetime({ offset: true }) })),
});

@ApiTags('follow-ups')
@Controller('cells')
export class OverdueFollowUpsQuery {
  constructor(
    @Inject(CaseFollowUpsProjection) private readonly projection: CaseFollowUpsProjection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Get(':cellId/follow-ups/overdue')
  @ApiOperation({ summary: "A cell's overdue follow-ups: due before today, without outcome, on its open cases (eventually consistent)" })
  @ApiResponseOf(HttpStatus.OK, overdueFollowUpsAnswer, 'The longest overdue first')
  @ApiProblemResponse(404, 'CELL_NOT_FOUND')
  async overdue(@Param('cellId') cellId: string): Promise<z.output<typeof overdueFollowUpsAnswer>> {
    if (!this.referenceData.isKnownCell(cellId)) throw new NotFound('Cell', cellId, 'CELL_NOT_FOUND');
    const today = dayOf(this.clock.now());
    return { cellId, today, followUps: await this.projection.overdue(cellId, today) };
  }
}
