import { Controller, Get, HttpStatus, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeclineReasons, FlagReasons, ReferralOutcomes, ReferralStatuses, RevokeReasons } from '@oriental/contracts';
import { isOverdue } from '@oriental/referral-domain';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, CLOCK, Clock, FieldError, Principal, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { z } from 'zod';
import { REFERRAL_READERS, seesReferral } from '../referral-access';
import { ReferralListProjection } from './referral-list.projection';

const ALLOWED = new Set(['beneficiaryId', 'partnerId', 'cellId', 'overdue']);
const uuid = z.string().uuid();
const slug = /^[a-z0-9-]{1,60}$/;

const instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', example: '2026-07-15T09:30:00.000Z' });

/** A referral as lists show it (what referral published, never notes), and whether it is overdue now. */
const listedReferral = z.object({
  referralId: z.uuid(),
  beneficiaryId: z.uuid(),
  cellId: z.string().meta({ description: 'The cell the case belongs to now (a transfer moves open referrals)', example: 'oujda' }),
  partnerId: z.string().meta({ example: 'chr-al-farabi' }),
  need: z.string().meta({ example: 'health' }),
  status: z.enum(ReferralStatuses),
  flags: z.array(z.enum(FlagReasons)).meta({ description: 'Flags raised and not cleared, e.g. consent_withdrawn' }),
  flagged: z.boolean().meta({ description: 'Whether any flag is raised' }),
  consentOverridden: z.boolean().meta({ description: 'Sent without consent to sharing, under a recorded override' }),
  sentAt: instant,
  answerDueBy: instant.meta({ description: "sentAt plus the partner's response delay" }),
  answeredAt: instant.optional().meta({ description: 'When the partner accepted or declined' }),
  closedAt: instant.optional().meta({ description: 'When it was declined, completed or revoked' }),
  declineReason: z.enum(DeclineReasons).optional(),
  outcome: z.enum(ReferralOutcomes).optional(),
  revokeReason: z.enum(RevokeReasons).optional(),
  updatedAt: instant.meta({ description: 'When it last changed' }),
  overdue: z.boolean().meta({ description: "Awaiting the partner's answer past answerDueBy" }),
});

/** What `GET /referrals` answers: one definition for the handler's type and the OpenAPI document. */
export const referralListAnswer = z.object({ referrals: z.array(listedReferral).meta({ description: 'Oldest sent first; with overdue=true, most overdue first' }) });
export type ReferralListAnswer = z.output<typeof referralListAnswer>;

@ApiTags('referrals')
@Controller('referrals')
export class ReferralListQuery {
  constructor(
    @Inject(ReferralListProjection) private readonly projection: ReferralListProjection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REFERRAL_READERS)
  @Get()
  @ApiOperation({ summary: 'Referrals of a beneficiary, of a partner or of a cell; overdue=true with cellId: those past their partner’s response delay' })
  @ApiQuery({ name: 'beneficiaryId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'partnerId', required: false, schema: { type: 'string', pattern: slug.source } })
  @ApiQuery({ name: 'cellId', required: false, schema: { type: 'string', pattern: slug.source } })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'], description: 'true: only those awaiting an answer past due (needs cellId)' })
  @ApiResponseOf(HttpStatus.OK, referralListAnswer, 'The referrals matching every filter given')
  @ApiProblemResponse(400, 'No filter, an invalid one, or overdue without cellId (VALIDATION_FAILED)')
  async list(@Query() query: Record<string, unknown>, @Caller() caller: Principal): Promise<ReferralListAnswer> {
    const errors: FieldError[] = [];
    for (const name of Object.keys(query)) if (!ALLOWED.has(name)) errors.push({ field: name, message: 'should not exist' });
    const { beneficiaryId, partnerId, cellId, overdue } = query;
    if (beneficiaryId !== undefined && !uuid.safeParse(beneficiaryId).success) errors.push({ field: 'beneficiaryId', message: 'must be a UUID' });
    if (partnerId !== undefined && !(typeof partnerId === 'string' && slug.test(partnerId))) errors.push({ field: 'partnerId', message: 'must be a partner id such as "chr-al-farabi"' });
    if (cellId !== undefined && !(typeof cellId === 'string' && slug.test(cellId))) errors.push({ field: 'cellId', message: 'must be a cell id such as "oujda"' });
    if (overdue !== undefined && overdue !== 'true' && overdue !== 'false') errors.push({ field: 'overdue', message: 'must be one of: true, false' });
    if (overdue === 'true' && cellId === undefined) errors.push({ field: 'cellId', message: 'is required with overdue=true' });
    if (beneficiaryId === undefined && partnerId === undefined && cellId === undefined) {
      errors.push({ field: '(query)', message: 'give beneficiaryId, partnerId or cellId' });
    }
    if (errors.length > 0) throw new RequestValidationError(errors);

    const now = this.clock.now();
    const filter = {
      ...(beneficiaryId !== undefined ? { beneficiaryId: beneficiaryId as string } : {}),
      ...(partnerId !== undefined ? { partnerId: partnerId as string } : {}),
      ...(cellId !== undefined ? { cellId: cellId as string } : {}),
    };
    const found =
      overdue === 'true'
        ? (await this.projection.overdue(cellId as string, now)).filter(
            (referral) => (filter.beneficiaryId === undefined || referral.beneficiaryId === filter.beneficiaryId) && (filter.partnerId === undefined || referral.partnerId === filter.partnerId),
          )
        : await this.projection.list(filter);
    // Only what the caller sees: a partner its own referrals, cell staff their cell's.
    return { referrals: found.filter((referral) => seesReferral(caller, referral, this.referenceData)).map(({ awaitingAnswerAt: _awaiting, ...referral }) => ({ ...referral, overdue: isOverdue(referral, now) })) };
  }
}
