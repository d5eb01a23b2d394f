import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, Clock, CLOCK, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import { z } from 'zod';
import type { PlacedCounts } from '../indicators/dated-counts';
import { cellPlace } from '../indicators/figures';
import { NetworkReportProjection } from '../network-report/network-report.projection';
import { ReferralReportProjection } from '../referral-report/referral-report.projection';
import { HUB_READERS, hubScopeOf, inScope } from './hub-scope';

const count = z.int().min(0);

const cellFigures = z.object({
  cellId: z.string().meta({ example: 'oujda' }),
  province: z.string().meta({ example: 'oujda-angad' }),
  registrations: count.meta({ description: 'Beneficiaries this cell registered, all time (they stay credited to it after a transfer)' }),
  openCaseload: count.meta({ description: 'Open cases that belong to this cell now (accepted transfers move them, closures take them out)' }),
  referralsAwaitingAnswer: count.meta({ description: "Referrals of this cell's cases sent and not yet answered by the partner" }),
  referralsOverdue: count.meta({ description: 'Of those, the ones whose answer was due before today (UTC)' }),
  followUpsOverdue: count.meta({ description: 'Follow-ups of open cases due before today (UTC) and not recorded' }),
});
type CellFigures = z.output<typeof cellFigures>;
const FIGURES = ['registrations', 'openCaseload', 'referralsAwaitingAnswer', 'referralsOverdue', 'followUpsOverdue'] as const;

/** What `GET /hub/snapshot` answers: one definition for the handler's type and the OpenAPI document. */
export const hubSnapshotSchema = z.object({
  asOf: z.string().meta({ description: 'When the figures were read: they follow the topics, a moment behind the feed' }),
  cells: z.array(cellFigures).meta({ description: 'Every cell of the scope (reference data), in reference-data order, zeros included' }),
  totals: z.object(Object.fromEntries(FIGURES.map((figure) => [figure, count])) as Record<(typeof FIGURES)[number], typeof count>).meta({ description: 'The sums over the cells listed' }),
});
export type HubSnapshot = z.output<typeof hubSnapshotSchema>;

/** A measure's count at each cell, over every category and consent (a counter key is `<category>|<consent>|<measure>`). */
const byCell = (counts: PlacedCounts, measure: string): Map<string, number> => {
  const cells = new Map<string, number>();
  for (const [place, keys] of counts) {
    let n = 0;
    for (const [key, value] of keys) if (key.slice(key.lastIndexOf('|') + 1) === measure) n += value;
    if (n !== 0) cells.set(place, n);
  }
  return cells;
};

/**
 * The network's current figures per cell in one call, for the hub to draw before it follows
 * `GET /hub/feed`. They are read from the indicators' read models (the network report's and the
 * referrals report's dated counts, all time, and up to yesterday for what is overdue), not
 * computed again: the hub and the reports cannot disagree.
 */
@ApiTags('hub')
@Controller('hub')
export class HubSnapshotQuery {
  constructor(
    @Inject(NetworkReportProjection) private readonly network: NetworkReportProjection,
    @Inject(ReferralReportProjection) private readonly referrals: ReferralReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Allow(...HUB_READERS)
  @Get('snapshot')
  @ApiOperation({
    summary: "The network's current figures per cell: registrations, open caseload, referrals awaiting an answer and overdue, overdue follow-ups",
    description: "A provincial coordinator gets their province's cells. The figures follow the topics, so they may lag the feed by a moment.",
  })
  @ApiQuery({ name: 'cellId', required: false, description: 'Only this cell (reference data)', schema: { type: 'string', example: 'oujda' } })
  @ApiQuery({ name: 'province', required: false, description: 'Only the cells of this province or prefecture; forced to theirs for a provincial coordinator', schema: { type: 'string', example: 'oujda-angad' } })
  @ApiResponseOf(200, hubSnapshotSchema, 'The figures of every cell in scope')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: an unknown cell or province, a cell outside the province, an unknown query parameter')
  @ApiProblemResponse(403, 'ROLE_NOT_ALLOWED; PROVINCE_NOT_YOURS or CELL_NOT_YOURS: a provincial coordinator asking for another province')
  async snapshot(@Caller() caller: Principal, @Query() query: Record<string, unknown>): Promise<HubSnapshot> {
    const scope = hubScopeOf(query, caller, this.referenceData);
    const now = this.clock.now();
    // Due before today (UTC): the dated counts of days up to yesterday.
    const beforeToday = { to: new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10) };
    const [network, networkOverdue, referrals, referralsOverdue] = await Promise.all([
      this.network.counts(),
      this.network.counts(beforeToday),
      this.referrals.counts(),
      this.referrals.counts(beforeToday),
    ]);
    const measures: Record<(typeof FIGURES)[number], Map<string, number>> = {
      registrations: byCell(network, 'new'),
      openCaseload: byCell(network, 'open'),
      referralsAwaitingAnswer: byCell(referrals, 'awaiting'),
      referralsOverdue: byCell(referralsOverdue, 'awaiting'),
      followUpsOverdue: byCell(networkOverdue, 'followUps.pending'),
    };
    const cells: CellFigures[] = this.referenceData.cells
      .filter((cell) => inScope(scope, { cellId: cell.id, province: cell.province }))
      .map((cell) => ({
        cellId: cell.id,
        province: cell.province,
        ...(Object.fromEntries(FIGURES.map((figure) => [figure, measures[figure].get(cellPlace(cell.id)) ?? 0])) as Record<(typeof FIGURES)[number], number>),
      }));
    const totals = Object.fromEntries(FIGURES.map((figure) => [figure, cells.reduce((sum, cell) => sum + cell[figure], 0)])) as HubSnapshot['totals'];
    return { asOf: now.toISOString(), cells, totals };
  }
}
