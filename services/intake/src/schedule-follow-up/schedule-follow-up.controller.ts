import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { answerCommand, ApiCaseCommand } from '../casework/casework-http';
import { followUpScheduledAnswer, ScheduleFollowUpBody, scheduleFollowUpBody } from './schedule-follow-up.dto';
import { ScheduleFollowUpHandler } from './schedule-follow-up.handler';
import { CASE_STAFF } from '../casework/case-access';

@Controller('beneficiaries')
export class ScheduleFollowUpController {
  constructor(private readonly handler: ScheduleFollowUpHandler) {}

  @Allow(...CASE_STAFF)
  @Post(':id/follow-ups')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Schedules a follow-up of the beneficiary by their cell' })
  @ApiBodyOf(scheduleFollowUpBody)
  @ApiCaseCommand({ status: HttpStatus.CREATED, schema: followUpScheduledAnswer }, 'FOLLOW_UP_DUE_IN_PAST, CASE_CLOSED')
  async schedule(
    @Param('id', uuidParam('id')) beneficiaryId: string,
    @Body(new ZodBodyPipe(scheduleFollowUpBody)) body: ScheduleFollowUpBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof followUpScheduledAnswer>> {
    const { followUpId, outcome } = await this.handler.handle(beneficiaryId, body, context);
    return { ...answerCommand(response, beneficiaryId, outcome), followUpId };
  }
}
