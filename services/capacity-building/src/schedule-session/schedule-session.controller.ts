import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiCreation } from '../training/training-http';
import { ScheduleSessionBody, scheduleSessionBody, sessionScheduledAnswer } from './schedule-session.dto';
import { ScheduleSessionHandler } from './schedule-session.handler';

@Controller('sessions')
export class ScheduleSessionController {
  constructor(private readonly handler: ScheduleSessionHandler) {}

  @Allow(...TRAINERS)
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Schedules a session of a programme, for a cell or a province' })
  @ApiBodyOf(scheduleSessionBody)
  @ApiCreation('sessions', sessionScheduledAnswer, 'Scheduled', 'PROGRAMME_NOT_KNOWN, SESSION_DATES_REVERSED, SESSION_TOO_LONG')
  async schedule(
    @Body(new ZodBodyPipe(scheduleSessionBody)) body: ScheduleSessionBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof sessionScheduledAnswer>> {
    const { sessionId, outcome } = await this.handler.handle(body, context);
    response.setHeader('Location', `/sessions/${sessionId}`);
    answerCommand(response, outcome);
    return { sessionId };
  }
}
