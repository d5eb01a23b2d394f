import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiReferralCommand, ReferralCommandAnswer, ReferralCommands } from '../referral-commands';
import { CompleteReferralBody, completeReferralBody } from './complete-referral.dto';
import { REFERRAL_ANSWERERS } from '../referral-access';

@ApiTags('referrals')
@Controller('referrals')
export class CompleteReferralController {
  constructor(private readonly commands: ReferralCommands) {}

  @Allow(...REFERRAL_ANSWERERS)
  @Post(':id/complete')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The partner completes an accepted referral with its outcome' })
  @ApiBodyOf(completeReferralBody)
  @ApiReferralCommand('REFERRAL_NOT_ACCEPTED')
  async handle(
    @Param('id', uuidParam('id')) referralId: string,
    @Body(new ZodBodyPipe(completeReferralBody)) body: CompleteReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCommandAnswer> {
    const outcome = await this.commands.run(referralId, context, { type: 'CompleteReferral', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return { referralId, status: outcome.status };
  }
}
