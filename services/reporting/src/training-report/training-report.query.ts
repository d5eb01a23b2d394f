import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ActorTypes, Sexes } from '@oriental/contracts';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, Caller, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { PlacedCounts } from '../indicators/dated-counts';
import { countSchema, countsSchema, disclosureFor, domainsOf, rateSchema, tallyOf } from '../indicators/figures';
import { reportAnswer } from '../indicators/report-output';
import { ApiReport, REPORT_READERS, ReportQuery, reportQueryOf, reportRequestOf, reportRequestSchema } from '../indicators/report-query';
import { GAIN_SCALE, TrainingReportProjection } from './training-report.projection';

const peopleSchema = (what: string) =>
  z
    .object({
      total: countSchema,
      byActorType: countsSchema('cell_officer, elected_official, civil_society_member, other', { cell_officer: 12, elected_official: 3 }),
      bySex: countsSchema('female, male', { female: 8, male: 7 }),
      byProvince: countsSchema("The province of the cell that held the session; for a session held for a whole province, the participant's own", { 'oujda-angad': 15 }),
      byCell: countsSchema('The cell that held the session (none for a session held for a whole province)', { oujda: 15 }),
    })
    .meta({ description: what });

/** What `GET /reports/training` answers. */
const trainingReportAnswer = z.object({
  request: reportRequestSchema,
  training: z.object({
    trained: peopleSchema('Places in sessions given in the period (enrolled, or promoted from the waiting list) and still held: a person trained twice counts twice'),
    completed: peopleSchema('Certificates issued in the period: attendance met the programme’s threshold'),
    sessionsClosed: countSchema.meta({ description: 'Sessions closed in the period' }),
    completionRate: rateSchema('Of the sessions closed in the period: participants who completed ÷ participants enrolled when they closed; null when none'),
    scoreGain: z.object({
      evaluated: countSchema.meta({ description: 'Places given in the period with both a pre- and a post-training score' }),
      mean: z.number().nullable().meta({ description: 'Their mean gain, post − pre, in points out of 100 (2 decimals); null with none (public: fewer than 5)' }),
    }),
  }),
});
type TrainingReportAnswer = z.output<typeof trainingReportAnswer>;

export const trainingReportOf = (counts: PlacedCounts, query: ReportQuery, referenceData: ReferenceData): TrainingReportAnswer => {
  const tally = tallyOf(counts, query, referenceData);
  const disclose = disclosureFor(query.audience);
  const domains = domainsOf(query, referenceData);
  const people = (measure: string) => ({
    total: disclose.count(tally.total(measure)),
    byActorType: disclose.counts(tally.values(`${measure}.actorType:`), ActorTypes),
    bySex: disclose.counts(tally.values(`${measure}.sex:`), Sexes),
    byProvince: disclose.counts(tally.by(measure, 'province'), domains.provinces),
    byCell: disclose.counts(tally.by(measure, 'cell'), domains.cells),
  });
  const evaluated = tally.total('scoreGain.n');
  return {
    request: reportRequestOf(query),
    training: {
      trained: people('trained'),
      completed: people('completed'),
      sessionsClosed: disclose.count(tally.total('sessions.closed')),
      completionRate: disclose.rate(tally.total('sessions.completed'), tally.total('sessions.enrolled')),
      scoreGain: {
        evaluated: disclose.count(evaluated),
        mean: evaluated > 0 && disclose.shows(evaluated) ? Math.round(tally.total('scoreGain.sum') / evaluated) / GAIN_SCALE : null,
      },
    },
  };
};

@ApiTags('reports')
@Controller('reports')
export class TrainingReportQuery {
  constructor(
    @Inject(TrainingReportProjection) private readonly projection: TrainingReportProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REPORT_READERS)
  @Get('training')
  @ApiOperation({
    summary: 'People trained by actor type, sex, province and cell; certificates; the completion rate of sessions closed; the mean score gain',
    description: 'Participants are not beneficiaries: no category filter. Definitions: docs/indicators.md.',
  })
  @ApiReport(trainingReportAnswer, { categories: false, description: 'The training report for the period and filters asked' })
  async training(@Query() query: Record<string, unknown>, @Caller() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<TrainingReportAnswer | string> {
    const asked = reportQueryOf(query, request, caller, this.referenceData, { categories: false });
    return reportAnswer(response, asked, 'training', trainingReportOf(await this.projection.counts(asked.period), asked, this.referenceData));
  }
}
