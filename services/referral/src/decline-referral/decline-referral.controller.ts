import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiReferralCommand, ReferralCommandAnswer, ReferralCommands } from '../referral-commands';
import { DeclineReferralBody, declineReferralBody } from './decline-referral.dto';
import { REFERRAL_ANSWERERS } from '../referral-access';

@ApiTags('referrals')
@Controller('referrals')
export class DeclineReferralController {
  constructor(private readonly commands: ReferralCommands) {}

  @Allow(...REFERRAL_ANSWERERS)
  @Post(':id/decline')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The partner declines the referral, saying why' })
  @ApiBodyOf(declineReferralBody)
  @ApiReferralCommand('REFERRAL_NOT_AWAITING_ANSWER')
  async handle(
    @Param('id', uuidParam('id')) referralId: string,
    @Body(new ZodBodyPipe(declineReferralBody)) body: DeclineReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCommandAnswer> {
    const outcome = await this.commands.run(referralId, context, { type: 'DeclineReferral', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return { referralId, status: outcome.status };
  }
}
