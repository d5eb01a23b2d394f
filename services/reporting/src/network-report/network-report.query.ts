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

/** People counted one way (registered, or received again), cut every way the indicators are. */
const breakdownSchema = (what: string) =>
  z
    .object({
      total: countSchema,
      byCell: countsSchema('By cell (reference data id)', { oujda: 12, nador: 7 }),
      byCommune: countsSchema("By the cell's commune", { oujda: 12, nador: 7 }),
      byProvince: countsSchema("By the cell's province or prefecture", { 'oujda-angad': 12, nador: 7 }),
      byRegion: countsSchema('The region: the network as a whole', { oriental: 19 }),
      byCategory: countsSchema('mre, returnee, rpt', { mre: 10, returnee: 4, rpt: 5 }),
      bySex: countsSchema('female, male', { female: 11, male: 8 }),
      byAgeBand: countsSchema('0-17, 18-24, 25-34, 35-44, 45-59, 60+', { '25-34': 9, '35-44': 10 }),
      byNationality: countsSchema('ISO 3166-1 alpha-2; in a public report those counted 5 times or more, and `other` for the rest together', { MA: 14, SN: 5 }),
    })
    .meta({ description: what });

/** What `GET /reports/network` answers: one definition for the handler's type and the OpenAPI document. */
const networkReportAnswer = z.object({
  request: reportRequestSchema,
  beneficiaries: breakdownSchema('People received for the first time: registered in the period, credited to the cell that registered them, for good'),
  returning: breakdownSchema('People received again: return receptions in the period (a person once a day), credited to the cell that received them'),
  caseload: z.object({
    open: countSchema.meta({ description: 'Cases open now (of people registered in the period)' }),
    byCell: countsSchema('Open cases by the cell each belongs to now: an accepted transfer moves the case to the receiving cell', { oujda: 10, nador: 8 }),
  }),
});
type NetworkReportAnswer = z.output<typeof networkReportAnswer>;

/** The network report from the counts of its period, filtered and disclosed as the query says. */
export const networkReportOf = (counts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): NetworkReportAnswer => {
  const tally = tallyOf(counts, query, referenceData);
  const disclose = disclosureFor(query.audience);
  const domains = domainsOf(query, referenceData);
  const breakdown = (measure: string) => ({
    total: disclose.count(tally.total(measure)),
    byCell: disclose.counts(tally.by(measure, 'cell'), domains.cells),
    byCommune: disclose.counts(tally.by(measure, 'commune'), domains.communes),
    byProvince: disclose.counts(tally.by(measure, 'province'), domains.provinces),
    byRegion: disclose.counts(tally.by(measure, 'region'), domains.region),
    byCategory: disclose.counts(tally.by(measure, 'category'), domains.categories),
    bySex: disclose.counts(tally.values(`${measure}.sex:`), domains.sexes),
    byAgeBand: disclose.counts(tally.values(`${measure}.ageBand:`), domains.ageBands),
    // An open list: a public report shows the nationalities counted 5 times or more, and `other`.
    byNationality: disclose.counts(tally.values(`${measure}.nationality:`)),
  });
  return {
    request: reportRequestOf(query),
    beneficiaries: breakdown('new'),
    returning: breakdown('returning'),
    caseload: { open: disclose.count(tally.total('open')), byCell: disclose.counts(tally.by('open', 'cell'), domains.cells) },
  };
};

@ApiTags('reports')
@Controller('reports')
export class NetworkReportQuery {
  constructor(
    @Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('network')
  @ApiOperation({
    summary: 'People received (new and returning) by cell, commune, province, region, category, sex, age band and nationality, and the open caseload',
    description:
      'Each cell is credited with what it did: registrations stay with the cell that registered, while the caseload follows the case (a transfer accepted moves it to the receiving cell). Definitions: docs/indicators.md.',
  })
  @ApiReport(networkReportAnswer, { description: 'The network report for the period and filters asked' })
  async network(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<NetworkReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData);
    return reportAnswer(response, asked, 'network', networkReportOf(await this.projection.counts(asked.period), asked, this.referenceData));
  }
}
