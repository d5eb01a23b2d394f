import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { ReopenCaseBody, reopenCaseBody } from './reopen-case.dto';
import { ReopenCaseHandler } from './reopen-case.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class ReopenCaseController {
  constructor(private readonly handler: ReopenCaseHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/reopen')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reopens a closed case' })
  @ApiBodyOf(reopenCaseBody)
  @ApiCaseCommand(OK, 'CASE_NOT_CLOSED')
  async reopen(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(reopenCaseBody)) body: ReopenCaseBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context));
  }
}
