import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { answerCommand, ApiCaseCommand } from '../casework/casework-http';
import { RequestTransferBody, requestTransferBody, transferRequestedAnswer } from './request-transfer.dto';
import { RequestTransferHandler } from './request-transfer.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class RequestTransferController {
  constructor(private readonly handler: RequestTransferHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/transfers')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Asks another cell to take the case over; the case stays where it is until that cell accepts' })
  @ApiBodyOf(requestTransferBody)
  @ApiCaseCommand({ status: HttpStatus.CREATED, schema: transferRequestedAnswer }, 'TRANSFER_TO_SAME_CELL, TRANSFER_ALREADY_PENDING, CASE_CLOSED')
  async request(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(requestTransferBody)) body: RequestTransferBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof transferRequestedAnswer>> {
    const { transferId, outcome } = await this.handler.handle(beneficiaryId, body, context);
    return { ...answerCommand(response, beneficiaryId, outcome), transferId };
  }
}
