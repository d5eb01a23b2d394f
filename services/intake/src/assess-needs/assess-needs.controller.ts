import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { AssessNeedsBody, assessNeedsBody } from './assess-needs.dto';
import { AssessNeedsHandler } from './assess-needs.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class AssessNeedsController {
  constructor(private readonly handler: AssessNeedsHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/needs')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Records the beneficiary's needs; an open need assessed again takes the new priority, a met one opens again" })
  @ApiBodyOf(assessNeedsBody)
  @ApiCaseCommand(OK, 'CASE_CLOSED')
  async assess(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(assessNeedsBody)) body: AssessNeedsBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context));
  }
}
