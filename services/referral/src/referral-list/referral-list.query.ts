import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { isOverdue } from '@oriental/referral-domain';
import { ApiProblemResponse, CLOCK, Clock, FieldError, RequestValidationError } from '@oriental/service-kit';
import { z } from 'zod';
import { ReferralListProjection, ReferralSummary } from './referral-list.projection';

const ALLOWED = new Set(['beneficiaryId', 'partnerId', 'cellId', 'overdue']);
const uuid = z.string().uuid();
const slug = /^[a-z0-9-]{1,60}$/;

type ListedReferral = Omit<ReferralSummary, 'awaitingAnswerAt'> & { overdue: boolean };

@ApiTags('referrals')
@Controller('referrals')
export class ReferralListQuery {
  constructor(
    @Inject(ReferralListProjection) private readonly projection: ReferralListProjection,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Referrals of a beneficiary, of a partner or of a cell; overdue=true with cellId: those past their partner’s response delay' })
  @ApiQuery({ name: 'beneficiaryId', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'cellId', required: false })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true'], description: 'Only those awaiting an answer past due (needs cellId)' })
  @ApiOkResponse({ description: '{ referrals: [{ referralId, beneficiaryId, cellId, partnerId, need, status, flagged, flags, overdue, … }] }' })
  @ApiProblemResponse(400, 'No filter, an invalid one, or overdue without cellId (VALIDATION_FAILED)')
  async list(@Query() query: Record<string, unknown>): Promise<{ referrals: ListedReferral[] }> {
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
    return { referrals: found.map(({ awaitingAnswerAt: _awaiting, ...referral }) => ({ ...referral, overdue: isOverdue(referral, now) })) };
  }
}
