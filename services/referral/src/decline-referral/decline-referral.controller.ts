import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBodyOf, ApiProblemResponse, ApiResponseOf, CommandContext, CommandRequest, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ReferralCommandAnswer, referralCommandAnswer, ReferralCommands, referralIdPipe } from '../referral-commands';
import { DeclineReferralBody, declineReferralBody } from './decline-referral.dto';

@ApiTags('referrals')
@Controller('referrals')
export class DeclineReferralController {
  constructor(private readonly commands: ReferralCommands) {}

  @Post(':id/decline')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The partner declines the referral, saying why' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read: 412 when the referral changed since' })
  @ApiBodyOf(declineReferralBody)
  @ApiResponseOf(HttpStatus.OK, referralCommandAnswer, 'Done; ETag: the new revision (Idempotent-Replayed: true on a retry)')
  @ApiProblemResponse(400, 'Invalid field or header (VALIDATION_FAILED with field errors)')
  @ApiProblemResponse(404, 'REFERRAL_NOT_FOUND')
  @ApiProblemResponse(412, 'STALE_REVISION: If-Match is not the current revision')
  @ApiProblemResponse(422, 'REFERRAL_NOT_AWAITING_ANSWER')
  async handle(
    @Param('id', referralIdPipe) referralId: string,
    @Body(new ZodBodyPipe(declineReferralBody)) body: DeclineReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCommandAnswer> {
    const outcome = await this.commands.run(referralId, context, { type: 'DeclineReferral', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return { referralId, status: outcome.status };
  }
}
