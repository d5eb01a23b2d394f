import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiSessionCommand } from '../training/training-http';
import { EnrolParticipantBody, enrolParticipantBody, enrolmentAnswer } from './enrol-participant.dto';
import { EnrolParticipantHandler } from './enrol-participant.handler';

@Controller('sessions')
export class EnrolParticipantController {
  constructor(private readonly handler: EnrolParticipantHandler) {}

  @Allow(...TRAINERS)
  @Post(':id/enrolments')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Enrols a participant: a place while there is one, else the waiting list' })
  @ApiBodyOf(enrolParticipantBody)
  @ApiSessionCommand(enrolmentAnswer, 'PARTICIPANT_ALREADY_ENROLLED (409, enrolled or waitlisted already), PARTICIPANT_NOT_KNOWN, SESSION_CLOSED')
  async enrol(
    @Param('id', uuidParam('id')) sessionId: string,
    @Body(new ZodBodyPipe(enrolParticipantBody)) body: EnrolParticipantBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof enrolmentAnswer>> {
    const { status, outcome } = await this.handler.handle(sessionId, body, context);
    answerCommand(response, outcome);
    return { status };
  }
}
