import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { SessionCommands } from '../training/session-commands';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiSessionCommand, sessionAnswer, SessionCommandAnswer, sessionCommandAnswer } from '../training/training-http';
import { RecordEvaluationBody, recordEvaluationBody } from './record-evaluation.dto';

@Controller('sessions')
export class RecordEvaluationController {
  constructor(private readonly sessions: SessionCommands) {}

  @Allow(...TRAINERS)
  @Post(':id/evaluations')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Records an enrolled participant’s pre- or post-training evaluation score' })
  @ApiBodyOf(recordEvaluationBody)
  @ApiSessionCommand(sessionCommandAnswer, 'EVALUATION_ALREADY_RECORDED (409), PARTICIPANT_NOT_ENROLLED, SESSION_CLOSED')
  async record(
    @Param('id', uuidParam('id')) sessionId: string,
    @Body(new ZodBodyPipe(recordEvaluationBody)) body: RecordEvaluationBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionCommandAnswer> {
    const outcome = await this.sessions.run(sessionId, context, { type: 'RecordEvaluation', data: { ...body, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    return sessionAnswer(sessionId, outcome);
  }
}
