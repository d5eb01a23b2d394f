import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { DeclineTransferBody, declineTransferBody } from './decline-transfer.dto';
import { DeclineTransferHandler } from './decline-transfer.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class DeclineTransferController {
  constructor(private readonly handler: DeclineTransferHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/transfers/:transferId/decline')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The receiving cell declines the pending transfer: the case stays where it is' })
  @ApiBodyOf(declineTransferBody)
  @ApiCaseCommand(OK, 'NO_PENDING_TRANSFER, CASE_CLOSED')
  async decline(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('transferId', uuidParam('transferId')) transferId: string,
    @Body(new ZodBodyPipe(declineTransferBody)) body: DeclineTransferBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, transferId, body, context));
  }
}
