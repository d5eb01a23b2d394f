import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { SessionCommands } from '../training/session-commands';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiSessionCommand, sessionAnswer, SessionCommandAnswer, sessionCommandAnswer } from '../training/training-http';
import { RecordAttendanceBody, recordAttendanceBody } from './record-attendance.dto';

@Controller('sessions')
export class RecordAttendanceController {
  constructor(private readonly sessions: SessionCommands) {}

  @Allow(...TRAINERS)
  @Post(':id/attendance')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Records whether an enrolled participant attended one session day' })
  @ApiBodyOf(recordAttendanceBody)
  @ApiSessionCommand(sessionCommandAnswer, 'PARTICIPANT_NOT_ENROLLED, DAY_OUTSIDE_SESSION, ATTENDANCE_DAY_IN_FUTURE, SESSION_CLOSED')
  async record(
    @Param('id', uuidParam('id')) sessionId: string,
    @Body(new ZodBodyPipe(recordAttendanceBody)) body: RecordAttendanceBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionCommandAnswer> {
    const outcome = await this.sessions.run(sessionId, context, { type: 'RecordAttendance', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return sessionAnswer(sessionId, outcome);
  }
}
