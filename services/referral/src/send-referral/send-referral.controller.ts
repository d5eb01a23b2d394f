import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, ApiProblemResponse, ApiResponseOf, CommandContext, CommandRequest, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand } from '../referral-commands';
import { ReferralCreatedAnswer, referralCreatedAnswer, SendReferralBody, sendReferralBody } from './send-referral.dto';
import { SendReferralHandler } from './send-referral.handler';
import { CASE_STAFF } from '../referral-access';

@ApiTags('referrals')
@Controller('referrals')
export class SendReferralController {
  constructor(private readonly handler: SendReferralHandler) {}

  @Allow(...CASE_STAFF)
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Refers a beneficiary to a partner for a need' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' })
  @ApiBodyOf(sendReferralBody)
  @ApiResponseOf(HttpStatus.CREATED, referralCreatedAnswer, 'Sent; Location: the referral, ETag: its revision (Idempotent-Replayed: true on a retry)')
  @ApiProblemResponse(400, 'Invalid or unknown field, unknown need (VALIDATION_FAILED with field errors), bad headers')
  @ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED')
  @ApiProblemResponse(422, 'CONSENT_REQUIRED, BENEFICIARY_NOT_KNOWN, CASE_CLOSED, PARTNER_NOT_KNOWN, PARTNER_DOES_NOT_COVER_NEED')
  async send(
    @Body(new ZodBodyPipe(sendReferralBody)) body: SendReferralBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ReferralCreatedAnswer> {
    const outcome = await this.handler.handle(body, context);
    response.setHeader('Location', `/referrals/${outcome.referralId}`);
    answerCommand(response, outcome);
    return { referralId: outcome.referralId };
  }
}
