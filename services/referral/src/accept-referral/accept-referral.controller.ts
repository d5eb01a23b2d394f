import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiReferralCommand, ReferralCommandAnswer, ReferralCommands } from '../referral-commands';
import { AcceptReferralBody, acceptReferralBody } from './accept-referral.dto';
import { REFERRAL_ANSWERERS } from '../referral-access';

@ApiTags('referrals')
@Controller('referrals')
export class AcceptReferralController {
  constructor(private readonly commands: ReferralCommands) {}

  @Allow(...REFERRAL_ANSWERERS)
  @Post(':id/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The partner accepts the referral' })
  @ApiBodyOf(acceptReferralBody)
  @ApiReferralCommand('REFERRAL_NOT_AWAITING_ANSWER')
  async handle(
    @Param('id', uuidParam('id')) referralId: string,
    @Body(new ZodBodyPipe(acceptReferralBody)) body: AcceptReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCommandAnswer> {
    const outcome = await this.commands.run(referralId, context, { type: 'AcceptReferral', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return { referralId, status: outcome.status };
  }
}
