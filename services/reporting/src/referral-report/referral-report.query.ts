import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReferralStatuses } from '@oriental/contracts';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, Caller, Clock, CLOCK, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { overduePeriod, PlacedCounts } from '../indicators/dated-counts';
import { Count, countSchema, countsSchema, Disclosure, disclosureFor, Domains, domainsOf, rateSchema, Tally, tallyOf } from '../indicators/figures';
import { reportAnswer } from '../indicators/report-output';
import { ApiReport, REPORT_READERS, ReportQuery, reportQueryOf, reportRequestOf, reportRequestSchema } from '../indicators/report-query';
import { answerBinEnd, ReferralReportProjection } from './referral-report.projection';

const byStatusSchema = z.object(Object.fromEntries(ReferralStatuses.map((status) => [status, countSchema])) as Record<(typeof ReferralStatuses)[number], typeof countSchema>);
const sentSchema = z.object({ total: countSchema, byStatus: byStatusSchema });

/** What `GET /reports/referrals` answers. */
const referralsReportAnswer = z.object({
  request: reportRequestSchema,
  referrals: z.object({
    total: countSchema.meta({ description: 'Referrals sent in the period' }),
    byStatus: byStatusSchema.meta({ description: 'Where each stands now: sent (awaiting an answer), accepted, declined, completed, revoked' }),
    byPartner: z.record(z.string(), sentSchema).meta({ description: 'By partner (directory id)' }),
    byNeed: z.record(z.string(), sentSchema).meta({ description: 'By need code' }),
    byCell: countsSchema('By the cell that sent them', { oujda: 4 }),
    byProvince: countsSchema("By that cell's province", { 'oujda-angad': 4 }),
    acceptanceRate: rateSchema('Accepted ÷ answered (accepted or declined), of those sent in the period; null when none was answered (or, in a public report, either count is below 5)'),
    completionRate: rateSchema('Completed ÷ accepted, of those sent in the period; null as above'),
    timeToFirstAnswer: z.object({
      answered: countSchema.meta({ description: "Referrals sent in the period that the partner answered (accepted or declined)" }),
      medianHours: z
        .object({ from: z.int().min(0), to: z.int().min(1).nullable() })
        .nullable()
        .meta({
          description:
            "The median time from sending to the partner's first answer lies in [from, to) hours: to the hour within a day, to the day within two weeks, to the week within eight, then 1344 and beyond (to null). Null with no answer (public: fewer than 5).",
        }),
    }),
    overdue: z
      .object({
        total: countSchema,
        byCell: countsSchema('By the cell that has the case now', { oujda: 1 }),
        byPartner: countsSchema('By partner', { 'chr-al-farabi': 1 }),
        byNeed: countsSchema('By need code', { health: 1 }),
      })
      .meta({ description: "Still awaiting the partner's answer after the day it was due: those whose answer fell due in the period, before today (UTC)" }),
  }),
});
type ReferralsReportAnswer = z.output<typeof referralsReportAnswer>;

const statusesOf = (tally: Tally, disclose: Disclosure, prefix: string) =>
  Object.fromEntries(ReferralStatuses.map((status) => [status, disclose.count(tally.total(`${prefix}status:${status}`))])) as Record<(typeof ReferralStatuses)[number], Count>;

/** Referrals sent, by partner or need: each with its total and where they stand. */
const sentBy = (tally: Tally, disclose: Disclosure, dimension: 'partner' | 'need', domain: readonly string[]) => {
  const totals = tally.values(`${dimension}:`);
  const counted = Object.keys(totals).filter((key) => !key.includes('.'));
  return Object.fromEntries(disclose.keys(counted, domain).map((id) => [id, { total: disclose.count(totals[id] ?? 0), byStatus: statusesOf(tally, disclose, `${dimension}:${id}.`) }]));
};

/** The median of a histogram of bins (their first hour → how many): the bin where half are counted. */
const medianBin = (bins: Record<string, number>): { from: number; to: number | null } | null => {
  const sorted = Object.entries(bins)
    .map(([bin, n]) => [Number(bin), n] as const)
    .sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const [bin, n] of sorted) {
    seen += n;
    if (seen * 2 >= total) return { from: bin, to: answerBinEnd(bin) };
  }
  return null;
};

export const referralsReportOf = (counts: PlacedCounts, overdueCounts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): ReferralsReportAnswer => {
  const [tally, overdue] = [tallyOf(counts, query, referenceData), tallyOf(overdueCounts, query, referenceData)];
  const disclose = disclosureFor(query.audience);
  const domains: Domains = domainsOf(query, referenceData);
  const [answered, accepted] = [tally.total('answered'), tally.total('accepted')];
  return {
    request: reportRequestOf(query),
    referrals: {
      total: disclose.count(tally.total('sent')),
      byStatus: statusesOf(tally, disclose, ''),
      byPartner: sentBy(tally, disclose, 'partner', domains.partners),
      byNeed: sentBy(tally, disclose, 'need', domains.needs),
      byCell: disclose.counts(tally.by('sent', 'cell'), domains.cells),
      byProvince: disclose.counts(tally.by('sent', 'province'), domains.provinces),
      acceptanceRate: disclose.rate(accepted, answered),
      completionRate: disclose.rate(tally.total('status:completed'), accepted),
      timeToFirstAnswer: { answered: disclose.count(answered), medianHours: disclose.shows(answered) ? medianBin(tally.values('firstAnswer:')) : null },
      overdue: {
        total: disclose.count(overdue.total('awaiting')),
        byCell: disclose.counts(overdue.by('awaiting', 'cell'), domains.cells),
        byPartner: disclose.counts(overdue.values('awaiting.partner:'), domains.partners),
        byNeed: disclose.counts(overdue.values('awaiting.need:'), domains.needs),
      },
    },
  };
};

@ApiTags('reports')
@Controller('reports')
export class ReferralReportQuery {
  constructor(
    @Inject(ReferralReportProjection) private readonly projection: ReferralReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('referrals')
  @ApiOperation({
    summary: "Referrals sent in the period by status, partner, need and cell; acceptance and completion rates; median time to the partner's first answer; overdue answers",
    description: 'Definitions: docs/indicators.md.',
  })
  @ApiReport(referralsReportAnswer, { description: 'The referrals report for the period and filters asked' })
  async referrals(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<ReferralsReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData);
    const late = overduePeriod(asked.period, this.clock.now());
    const [counts, overdue] = await Promise.all([this.projection.counts(asked.period), late ? this.projection.counts(late) : new Map()]);
    return reportAnswer(response, asked, 'referrals', referralsReportOf(counts, overdue, asked, this.referenceData));
  }
}
