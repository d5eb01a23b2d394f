import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { answerCommand, ApiCaseCommand, CaseCommandAnswer, OK } from '../casework/casework-http';
import { ErasePersonalDataBody, erasePersonalDataBody } from './erase-personal-data.dto';
import { ErasePersonalDataHandler } from './erase-personal-data.handler';

@Controller('beneficiaries')
export class ErasePersonalDataController {
  constructor(private readonly handler: ErasePersonalDataHandler) {}

  @Allow('cell_supervisor')
  @Post(':id/erasure')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      "Erases the person's personal data (law 09-08): their key is destroyed, so their identity and every note become unreadable in the event store, the read models and the journey; the case, its history and the indicators stay. Open or closed case; erasing again appends nothing (changed: false) and destroys the key again",
  })
  @ApiBodyOf(erasePersonalDataBody)
  @ApiCaseCommand(OK, 'none: erasing again changes nothing (changed: false); afterwards the case refuses personal data with PERSONAL_DATA_ERASED')
  async erase(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(erasePersonalDataBody)) body: ErasePersonalDataBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CaseCommandAnswer> {
    return answerCommand(response, beneficiaryId, await this.handler.handle(beneficiaryId, body, context));
  }
}
