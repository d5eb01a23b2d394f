import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { RecordFollowUpOutcomeBody, recordFollowUpOutcomeBody } from './record-follow-up-outcome.dto';
import { RecordFollowUpOutcomeHandler } from './record-follow-up-outcome.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class RecordFollowUpOutcomeController {
  constructor(private readonly handler: RecordFollowUpOutcomeHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/follow-ups/:followUpId/outcome')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Records a follow-up's outcome (once)" })
  @ApiBodyOf(recordFollowUpOutcomeBody)
  @ApiCaseCommand(OK, 'FOLLOW_UP_ALREADY_RECORDED, CASE_CLOSED; 404 FOLLOW_UP_NOT_FOUND')
  async record(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('followUpId', uuidParam('followUpId')) followUpId: string,
    @Body(new ZodBodyPipe(recordFollowUpOutcomeBody)) body: RecordFollowUpOutcomeBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, followUpId, body, context));
  }
}
