import { Controller, Get, HttpStatus, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import {
  Allow,
  ApiProblemResponse,
  ApiResponseOf,
  Caller,
  CLOCK,
  Clock,
  Forbidden,
  Principal,
  REFERENCE_DATA,
  RequestValidationError,
  SERVICE_CONFIG,
  ServiceConfig,
  seesCell,
} from '@oriental/service-kit';
import { z } from 'zod';
import { addDays, ClosedCasesProjection } from './closed-cases.projection';
import { RETENTION_PURPOSES, retentionPeriodsOf, RetentionPeriods } from './retention';

export const retentionDueAnswer = z.object({
  asOf: z.string().meta({ description: 'The instant the periods were measured at' }),
  periods: z.object(Object.fromEntries(RETENTION_PURPOSES.map((purpose) => [purpose, z.int().min(1)])) as Record<(typeof RETENTION_PURPOSES)[number], z.ZodInt>).meta({ description: 'Retention period per purpose, in days after closure' }),
  cases: z.array(
    z.object({
      beneficiaryId: z.uuid(),
      cellId: z.string().nullable(),
      closedAt: z.string(),
      duePurposes: z.array(z.enum(RETENTION_PURPOSES)).meta({ description: 'The purposes whose period has ended' }),
      dueSince: z.string().meta({ description: 'When the first of them ended' }),
    }),
  ),
});
type RetentionDueAnswer = z.output<typeof retentionDueAnswer>;

/**
 * Closed cases kept past a retention period, for a supervisor to review: erase the person's data
 * (`POST /beneficiaries/{id}/erasure`) or record why it is kept. Reopening takes a case off the list.
 */
@ApiTags('retention')
@Controller('retention')
export class RetentionDueQuery {
  private readonly periods: RetentionPeriods;

  constructor(
    @Inject(ClosedCasesProjection) private readonly projection: ClosedCasesProjection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.periods = retentionPeriodsOf(config);
  }

  @Allow('cell_supervisor', 'provincial_coordinator', 'regional_coordinator', 'auditor')
  @Get('due')
  @ApiOperation({ summary: 'Closed cases past a retention period, oldest first: the cases to review (eventually consistent)' })
  @ApiQuery({ name: 'cellId', required: false, description: 'Only this cell (one the caller sees)' })
  @ApiResponseOf(HttpStatus.OK, retentionDueAnswer, 'The cases due for review, and the periods applied')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: unknown cell or unknown query parameter')
  async due(@Caller() caller: Principal, @Query() query: Record<string, unknown>): Promise<RetentionDueAnswer> {
    const unknown = Object.keys(query).filter((name) => name !== 'cellId');
    if (unknown.length > 0) throw new RequestValidationError(unknown.map((field) => ({ field, message: 'should not exist' })));
    const { cellId } = query;
    if (cellId !== undefined && (typeof cellId !== 'string' || !this.referenceData.isKnownCell(cellId))) {
      throw new RequestValidationError([{ field: 'cellId', message: 'must be a known cell id' }]);
    }
    if (cellId !== undefined && !seesCell(caller, cellId, this.referenceData)) throw new Forbidden('CELL_NOT_YOURS', `You do not see the cases of cell ${cellId}`);
    const now = this.clock.now();
    const cases = (await this.projection.candidates(now))
      .filter((closed) => closed.closedAt !== null && (cellId === undefined || closed.cellId === cellId) && seesCell(caller, closed.cellId ?? undefined, this.referenceData))
      .flatMap((closed) => {
        const ends = RETENTION_PURPOSES.map((purpose) => ({ purpose, at: addDays(closed.closedAt!, this.periods[purpose]) })).filter(({ at }) => at <= now);
        if (ends.length === 0) return [];
        const dueSince = new Date(Math.min(...ends.map(({ at }) => at.getTime()))).toISOString();
        return [{ beneficiaryId: closed.beneficiaryId, cellId: closed.cellId, closedAt: closed.closedAt!, duePurposes: ends.map(({ purpose }) => purpose), dueSince }];
      })
      .sort((a, b) => a.closedAt.localeCompare(b.closedAt));
    return { asOf: now.toISOString(), periods: this.periods, cases };
  }
}
