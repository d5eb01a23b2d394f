import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { answerCommand, ApiCaseCommand } from '../casework/casework-http';
import { consentAnswer, RecordConsentBody, recordConsentBody } from './record-consent.dto';
import { RecordConsentHandler } from './record-consent.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class RecordConsentController {
  constructor(private readonly handler: RecordConsentHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/consents')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Records a consent given or withdrawn for one purpose; giving one already given changes nothing (changed: false)' })
  @ApiBodyOf(recordConsentBody)
  @ApiCaseCommand({ status: HttpStatus.OK, schema: consentAnswer }, 'CASE_CLOSED (giving; a withdrawal is always taken)')
  async record(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(recordConsentBody)) body: RecordConsentBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof consentAnswer>> {
    return { ...answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context)), ...body };
  }
}
