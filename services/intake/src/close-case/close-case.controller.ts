import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { CloseCaseBody, closeCaseBody } from './close-case.dto';
import { CloseCaseHandler } from './close-case.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class CloseCaseController {
  constructor(private readonly handler: CloseCaseHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/close')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Closes the case: it then takes no command but reopening (and consent withdrawals)' })
  @ApiBodyOf(closeCaseBody)
  @ApiCaseCommand(OK, 'CASE_ALREADY_CLOSED, TRANSFER_PENDING')
  async close(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(closeCaseBody)) body: CloseCaseBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context));
  }
}
