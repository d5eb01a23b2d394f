import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { decideDuplicateBody } from './decide-duplicate.dto';
import { DecideDuplicateHandler } from './decide-duplicate.handler';
import { CASE_STAFF } from '../casework/case-access';

const RULES = 'DUPLICATE_OF_ITSELF, CASE_CLOSED; 404 OTHER_BENEFICIARY_NOT_FOUND';

@Controller('beneficiaries')
export class DecideDuplicateController {
  constructor(private readonly handler: DecideDuplicateHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/duplicates/:otherId/link')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Records that another beneficiary is the same person (the same decision again changes nothing)' })
  @ApiCaseCommand(OK, RULES)
  async link(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('otherId', uuidParam('otherId')) otherId: string,
    @Body(new ZodBodyPipe(decideDuplicateBody)) _body: unknown,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle('LinkDuplicate', beneficiaryId, otherId, context));
  }

  @Allow(...CASE_STAFF)
  @Post(':id/duplicates/:otherId/dismiss')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Records that a possible duplicate is another person' })
  @ApiCaseCommand(OK, RULES)
  async dismiss(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Param('otherId', uuidParam('otherId')) otherId: string,
    @Body(new ZodBodyPipe(decideDuplicateBody)) _body: unknown,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle('DismissDuplicate', beneficiaryId, otherId, context));
  }
}
