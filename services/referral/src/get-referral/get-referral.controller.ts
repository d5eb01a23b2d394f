import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeclineReasons, FlagReasons, ReferralOutcomes, ReferralStatuses, RevokeReasons } from '@oriental/contracts';
import { referralDecider, referralStream } from '@oriental/referral-domain';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, COMMAND_EXECUTOR, CommandExecutor, etagOf, Principal, REFERENCE_DATA, uuidParam } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { REFERRAL_READERS, referralNotFound, seesReferral } from '../referral-access';
import { referralCodec } from '../referral.codec';

const instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', example: '2026-07-15T09:30:00.000Z' });

/**
 * A referral as `GET /referrals/{id}` answers it: its state folded from its stream, and the
 * stream's revision. One definition for the handler's type and the OpenAPI document. The
 * optional fields are absent until the referral gets there (answered, closed…).
 */
export const referralAnswer = z.object({
  referralId: z.uuid(),
  beneficiaryId: z.uuid(),
  cellId: z.string().meta({ description: 'The cell the case belongs to now (a transfer moves an open referral)', example: 'oujda' }),
  partnerId: z.string().meta({ example: 'chr-al-farabi' }),
  need: z.string().meta({ example: 'health' }),
  status: z.enum(ReferralStatuses),
  consentOverridden: z.boolean().meta({ description: 'Sent without consent to sharing, under a recorded override' }),
  answerDueBy: instant.meta({ description: "sentAt plus the partner's response delay" }),
  sentAt: instant,
  flags: z.array(z.enum(FlagReasons)).meta({ description: 'Flags raised and not cleared, e.g. consent_withdrawn' }),
  answeredAt: instant.optional().meta({ description: 'When the partner accepted or declined' }),
  declineReason: z.enum(DeclineReasons).optional(),
  outcome: z.enum(ReferralOutcomes).optional(),
  revokeReason: z.enum(RevokeReasons).optional(),
  closedAt: instant.optional().meta({ description: 'When it was declined, completed or revoked' }),
  revision: z.int().nonnegative().meta({ description: 'The stream revision (also the ETag)' }),
});
export type ReferralAnswer = z.output<typeof referralAnswer>;

@ApiTags('referrals')
@Controller('referrals')
export class GetReferralController {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...REFERRAL_READERS)
  @Get(':id')
  @ApiOperation({ summary: "A referral's current state, folded from its stream" })
  @ApiResponseOf(HttpStatus.OK, referralAnswer, 'The referral; ETag is the stream revision, for If-Match on later commands')
  @ApiProblemResponse(404, 'REFERRAL_NOT_FOUND')
  async get(@Param('id', uuidParam('id')) id: string, @Caller() caller: Principal, @Res({ passthrough: true }) response: Response): Promise<ReferralAnswer> {
    const { state, revision } = await this.executor.load(referralStream(id), referralDecider, referralCodec);
    if (state.status === 'none' || !seesReferral(caller, state, this.referenceData)) throw referralNotFound(id);
    response.setHeader('ETag', etagOf(revision));
    return { ...state, revision };
  }
}
