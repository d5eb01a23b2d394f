import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, Caller, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { PlacedCounts } from '../indicators/dated-counts';
import { countSchema, countsSchema, disclosureFor, domainsOf, tallyOf } from '../indicators/figures';
import { reportAnswer } from '../indicators/report-output';
import { ApiReport, REPORT_READERS, ReportQuery, reportQueryOf, reportRequestOf, reportRequestSchema } from '../indicators/report-query';
import { NetworkReportProjection } from './network-report.projection';

/** What `GET /reports/needs` answers. */
const needsReportAnswer = z.object({
  request: reportRequestSchema,
  needs: z.object({
    identified: z
      .object({
        total: countSchema,
        byCode: countsSchema('By need code (reference data needs.json)', { health: 4, legal_aid: 2 }),
        byPriority: countsSchema('high, medium, low (the priority assessed last)', { high: 3, low: 3 }),
        byCell: countsSchema('By the cell that identified the need', { oujda: 6 }),
        byProvince: countsSchema("By that cell's province", { 'oujda-angad': 6 }),
        byCategory: countsSchema('By the beneficiary’s category', { mre: 6 }),
      })
      .meta({ description: 'Needs identified in the period (first assessment of a code for a person)' }),
    met: z.object({ total: countSchema, byCode: countsSchema('By need code', { health: 1 }) }).meta({ description: 'Of those, the needs met since' }),
    open: countSchema.meta({ description: 'Of those, the needs still open' }),
  }),
});
type NeedsReportAnswer = z.output<typeof needsReportAnswer>;

export const needsReportOf = (counts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): NeedsReportAnswer => {
  const tally = tallyOf(counts, query, referenceData);
  const disclose = disclosureFor(query.audience);
  const domains = domainsOf(query, referenceData);
  const [identified, met] = [tally.total('needs.identified'), tally.total('needs.met')];
  return {
    request: reportRequestOf(query),
    needs: {
      identified: {
        total: disclose.count(identified),
        byCode: disclose.counts(tally.values('needs.code:'), domains.needs),
        byPriority: disclose.counts(tally.values('needs.priority:'), domains.priorities),
        byCell: disclose.counts(tally.by('needs.identified', 'cell'), domains.cells),
        byProvince: disclose.counts(tally.by('needs.identified', 'province'), domains.provinces),
        byCategory: disclose.counts(tally.by('needs.identified', 'category'), domains.categories),
      },
      met: { total: disclose.count(met), byCode: disclose.counts(tally.values('needs.met.code:'), domains.needs) },
      open: disclose.count(identified - met),
    },
  };
};

@ApiTags('reports')
@Controller('reports')
export class NeedsReportQuery {
  constructor(
    @Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('needs')
  @ApiOperation({ summary: 'Needs identified in the period, by code, priority, cell, province and category, and how many were met since', description: 'Definitions: docs/indicators.md.' })
  @ApiReport(needsReportAnswer, { description: 'The needs report for the period and filters asked' })
  async needs(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<NeedsReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData);
    return reportAnswer(response, asked, 'needs', needsReportOf(await this.projection.counts(asked.period), asked, this.referenceData));
  }
}
