import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { referralDecider, referralStream } from '@oriental/referral-domain';
import { ApiProblemResponse, COMMAND_EXECUTOR, CommandExecutor, etagOf, NotFound } from '@oriental/service-kit';
import type { Response } from 'express';
import { referralIdPipe } from '../referral-commands';
import { referralCodec } from '../referral.codec';

@ApiTags('referrals')
@Controller('referrals')
export class GetReferralController {
  constructor(@Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor) {}

  @Get(':id')
  @ApiOperation({ summary: "A referral's current state, folded from its stream" })
  @ApiOkResponse({ description: 'The referral; ETag is the stream revision, for If-Match on later commands' })
  @ApiProblemResponse(404, 'REFERRAL_NOT_FOUND')
  async get(@Param('id', referralIdPipe) id: string, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await this.executor.load(referralStream(id), referralDecider, referralCodec);
    if (state.status === 'none') throw new NotFound('Referral', id, 'REFERRAL_NOT_FOUND');
    response.setHeader('ETag', etagOf(revision));
    return { ...state, revision };
  }
}
