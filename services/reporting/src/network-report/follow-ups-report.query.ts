import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FollowUpOutcomes } from '@oriental/contracts';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, Caller, Clock, CLOCK, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { type PlacedCounts, overduePeriod } from '../indicators/dated-counts';
import { Count, countSchema, countsSchema, disclosureFor, domainsOf, Tally, tallyOf } from '../indicators/figures';
import { reportAnswer } from '../indicators/report-output';
import { ApiReport, REPORT_READERS, ReportQuery, reportQueryOf, reportRequestOf, reportRequestSchema } from '../indicators/report-query';
import { NetworkReportProjection } from './network-report.projection';

const perPlace = z.object({ due: countSchema, pending: countSchema, overdue: countSchema });

/** What `GET /reports/follow-ups` answers. */
const followUpsReportAnswer = z.object({
  request: reportRequestSchema,
  followUps: z.object({
    due: countSchema.meta({ description: 'Follow-ups falling due in the period (their due date in it)' }),
    recorded: countsSchema('Of those, by the outcome recorded: held, missed, cancelled', { held: 5, missed: 1 }),
    pending: countSchema.meta({ description: 'Of those, without outcome yet, on open cases' }),
    overdue: countSchema.meta({ description: 'Of the pending ones, those due before today (UTC)' }),
    byCell: z.record(z.string(), perPlace).meta({ description: 'By the cell that has the case now', example: { oujda: { due: 6, pending: 2, overdue: 1 } } }),
    byProvince: z.record(z.string(), perPlace).meta({ description: "By that cell's province", example: { 'oujda-angad': { due: 6, pending: 2, overdue: 1 } } }),
  }),
});
type FollowUpsReportAnswer = z.output<typeof followUpsReportAnswer>;

/** The follow-ups report from the counts of its period and of the overdue part of it (due before today). */
export const followUpsReportOf = (counts: PlacedCounts, overdueCounts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): FollowUpsReportAnswer => {
  const [tally, overdue] = [tallyOf(counts, query, referenceData), tallyOf(overdueCounts, query, referenceData)];
  const disclose = disclosureFor(query.audience);
  const domains = domainsOf(query, referenceData);
  const perPlaceOf = (cut: 'cell' | 'province'): Record<string, { due: Count; pending: Count; overdue: Count }> => {
    const [due, pending, late] = [tally.by('followUps.due', cut), tally.by('followUps.pending', cut), overdue.by('followUps.pending', cut)];
    return Object.fromEntries(
      disclose
        .keys(Object.keys(due), cut === 'cell' ? domains.cells : domains.provinces)
        .map((place) => [place, { due: disclose.count(due[place] ?? 0), pending: disclose.count(pending[place] ?? 0), overdue: disclose.count(late[place] ?? 0) }]),
    );
  };
  const recorded = (t: Tally) => Object.fromEntries(FollowUpOutcomes.flatMap((outcome) => (t.total(`followUps.outcome:${outcome}`) > 0 ? [[outcome, t.total(`followUps.outcome:${outcome}`)]] : [])));
  return {
    request: reportRequestOf(query),
    followUps: {
      due: disclose.count(tally.total('followUps.due')),
      recorded: disclose.counts(recorded(tally), FollowUpOutcomes),
      pending: disclose.count(tally.total('followUps.pending')),
      overdue: disclose.count(overdue.total('followUps.pending')),
      byCell: perPlaceOf('cell'),
      byProvince: perPlaceOf('province'),
    },
  };
};

@ApiTags('reports')
@Controller('reports')
export class FollowUpsReportQuery {
  constructor(
    @Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('follow-ups')
  @ApiOperation({ summary: 'Follow-ups falling due in the period: recorded by outcome, pending, and overdue (pending past their due date)', description: 'Definitions: docs/indicators.md.' })
  @ApiReport(followUpsReportAnswer, { description: 'The follow-ups report for the period and filters asked' })
  async followUps(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<FollowUpsReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData);
    const late = overduePeriod(asked.period, this.clock.now());
    const [counts, overdue] = await Promise.all([this.projection.counts(asked.period), late ? this.projection.counts(late) : new Map()]);
    return reportAnswer(response, asked, 'follow-ups', followUpsReportOf(counts, overdue, asked, this.referenceData));
  }
}
