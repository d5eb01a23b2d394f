import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, Caller, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { PlacedCounts } from '../indicators/dated-counts';
import { countSchema, Disclosure, disclosureFor, domainsOf, Tally, tallyOf } from '../indicators/figures';
import { reportAnswer } from '../indicators/report-output';
import { ApiReport, REPORT_READERS, ReportQuery, reportQueryOf, reportRequestOf, reportRequestSchema } from '../indicators/report-query';
import { NetworkReportProjection } from './network-report.projection';

const STATUSES = ['pending', 'accepted', 'declined'] as const;
const flowSchema = z
  .object({ total: countSchema, pending: countSchema, accepted: countSchema, declined: countSchema })
  .meta({ description: 'Transfers asked in the period, and where each stands now' });
const directionsSchema = z.object({ in: flowSchema, out: flowSchema });

/** What `GET /reports/transfers` answers. */
const transfersReportAnswer = z.object({
  request: reportRequestSchema,
  transfers: z.object({
    in: flowSchema.meta({ description: 'Asked of the cells selected (by another cell)' }),
    out: flowSchema.meta({ description: 'Asked by the cells selected (to another cell)' }),
    byCell: z.record(z.string(), directionsSchema).meta({ description: 'In and out of each cell', example: { oujda: { in: { total: 1, pending: 0, accepted: 1, declined: 0 }, out: { total: 2, pending: 1, accepted: 1, declined: 0 } } } }),
    byProvince: z.record(z.string(), directionsSchema).meta({ description: 'In and out of each province (a transfer between two cells of one province is in and out of it)' }),
  }),
});
type TransfersReportAnswer = z.output<typeof transfersReportAnswer>;

const flowOf = (tally: Tally, disclose: Disclosure, direction: 'in' | 'out', place?: { cut: 'cell' | 'province'; id: string }) => {
  const of = (measure: string) => (place ? (tally.by(measure, place.cut)[place.id] ?? 0) : tally.total(measure));
  return {
    total: disclose.count(of(`transfers.${direction}`)),
    ...Object.fromEntries(STATUSES.map((status) => [status, disclose.count(of(`transfers.${direction}.${status}`))])),
  } as z.output<typeof flowSchema>;
};

export const transfersReportOf = (counts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): TransfersReportAnswer => {
  const tally = tallyOf(counts, query, referenceData);
  const disclose = disclosureFor(query.audience);
  const domains = domainsOf(query, referenceData);
  const places = (cut: 'cell' | 'province') =>
    Object.fromEntries(
      disclose
        .keys([...Object.keys(tally.by('transfers.in', cut)), ...Object.keys(tally.by('transfers.out', cut))], cut === 'cell' ? domains.cells : domains.provinces)
        .map((id) => [id, { in: flowOf(tally, disclose, 'in', { cut, id }), out: flowOf(tally, disclose, 'out', { cut, id }) }]),
    );
  return {
    request: reportRequestOf(query),
    transfers: { in: flowOf(tally, disclose, 'in'), out: flowOf(tally, disclose, 'out'), byCell: places('cell'), byProvince: places('province') },
  };
};

@ApiTags('reports')
@Controller('reports')
export class TransfersReportQuery {
  constructor(
    @Inject(NetworkReportProjection) private readonly projection: NetworkReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('transfers')
  @ApiOperation({ summary: 'Transfers asked in the period, into and out of each cell and province, by where they stand (pending, accepted, declined)', description: 'Definitions: docs/indicators.md.' })
  @ApiReport(transfersReportAnswer, { description: 'The transfers report for the period and filters asked' })
  async transfers(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<TransfersReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData);
    return reportAnswer(response, asked, 'transfers', transfersReportOf(await this.projection.counts(asked.period), asked, this.referenceData));
  }
}
