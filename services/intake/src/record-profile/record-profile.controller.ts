import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { RecordProfileBody, recordProfileBody } from './record-profile.dto';
import { RecordProfileHandler } from './record-profile.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class RecordProfileController {
  constructor(private readonly handler: RecordProfileHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/profile')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Records or corrects a beneficiary's profile (fields of their category) and personal data: the rectification route of law 09-08" })
  @ApiBodyOf(recordProfileBody)
  @ApiCaseCommand(OK, 'PROFILE_FIELD_NOT_FOR_CATEGORY, PROFILE_DATE_IN_FUTURE, CASE_CLOSED, PERSONAL_DATA_ERASED (person fields after an erasure)')
  async record(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(recordProfileBody)) body: RecordProfileBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context));
  }
}
