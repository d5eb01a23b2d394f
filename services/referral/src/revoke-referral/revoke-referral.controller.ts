import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiReferralCommand, ReferralCommandAnswer, ReferralCommands } from '../referral-commands';
import { RevokeReferralBody, revokeReferralBody } from './revoke-referral.dto';
import { CASE_STAFF } from '../referral-access';

@ApiTags('referrals')
@Controller('referrals')
export class RevokeReferralController {
  constructor(private readonly commands: ReferralCommands) {}

  @Allow(...CASE_STAFF)
  @Post(':id/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The cell withdraws an open referral' })
  @ApiBodyOf(revokeReferralBody)
  @ApiReferralCommand('REFERRAL_ALREADY_CLOSED')
  async handle(
    @Param('id', uuidParam('id')) referralId: string,
    @Body(new ZodBodyPipe(revokeReferralBody)) body: RevokeReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCommandAnswer> {
    const outcome = await this.commands.run(referralId, context, { type: 'RevokeReferral', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return { referralId, status: outcome.status };
  }
}
