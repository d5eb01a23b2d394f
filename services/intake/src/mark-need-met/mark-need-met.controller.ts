import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { markNeedMetBody } from './mark-need-met.dto';
import { MarkNeedMetHandler } from './mark-need-met.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class MarkNeedMetController {
  constructor(private readonly handler: MarkNeedMetHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/needs/:code/met')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Marks an assessed need met' })
  @ApiCaseCommand(OK, 'NEED_NOT_ASSESSED, NEED_ALREADY_MET, CASE_CLOSED')
  async markMet(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('code') code: string,
    @Body(new ZodBodyPipe(markNeedMetBody)) _body: unknown,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, code, context));
  }
}
