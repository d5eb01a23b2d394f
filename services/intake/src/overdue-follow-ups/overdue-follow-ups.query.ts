import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isoDate } from '@oriental/contracts';
import { dayOf } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, CLOCK, Clock, Forbidden, NotFound, Principal, REFERENCE_DATA, seesCell } from '@oriental/service-kit';
import { z } from 'zod';
import { CaseFollowUpsProjection } from './case-follow-ups.projection';
import { CASE_READERS } from '../casework/case-access';

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

  @Allow(...CASE_READERS)
  @Get(':cellId/follow-ups/overdue')
  @ApiOperation({ summary: "A cell's overdue follow-ups: due before today, without outcome, on its open cases (eventually consistent)" })
  @ApiResponseOf(HttpStatus.OK, overdueFollowUpsAnswer, 'The longest overdue first')
  @ApiProblemResponse(404, 'CELL_NOT_FOUND')
  async overdue(@Param('cellId') cellId: string, @Caller() caller: Principal): Promise<z.output<typeof overdueFollowUpsAnswer>> {
    if (!this.referenceData.isKnownCell(cellId)) throw new NotFound('Cell', cellId, 'CELL_NOT_FOUND');
    // Cells are public; their cases are not: another cell's list is refused, not emptied.
    if (!seesCell(caller, cellId, this.referenceData)) throw new Forbidden('CELL_NOT_YOURS', `You do not see the cases of cell ${cellId}`);
    const today = dayOf(this.clock.now());
    return { cellId, today, followUps: await this.projection.overdue(cellId, today) };
  }
}
