import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { AcceptTransferBody, acceptTransferBody } from './accept-transfer.dto';
import { AcceptTransferHandler } from './accept-transfer.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class AcceptTransferController {
  constructor(private readonly handler: AcceptTransferHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/transfers/:transferId/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'The receiving cell accepts the pending transfer: the case and its follow-ups move to it' })
  @ApiBodyOf(acceptTransferBody)
  @ApiCaseCommand(OK, 'NO_PENDING_TRANSFER, CASE_CLOSED')
  async accept(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('transferId', uuidParam('transferId')) transferId: string,
    @Body(new ZodBodyPipe(acceptTransferBody)) body: AcceptTransferBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, transferId, body, context));
  }
}
