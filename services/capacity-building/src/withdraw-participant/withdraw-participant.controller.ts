import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { SessionCommands } from '../training/session-commands';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiSessionCommand, EmptyBody } from '../training/training-http';
import { withdrawalAnswer, withdrawParticipantBody } from './withdraw-participant.dto';

@Controller('sessions')
export class WithdrawParticipantController {
  constructor(private readonly sessions: SessionCommands) {}

  @Allow(...TRAINERS)
  @Post(':id/enrolments/:participantId/withdraw')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Withdraws a participant’s enrolment; a freed place goes to the first on the waiting list' })
  @ApiBodyOf(withdrawParticipantBody)
  @ApiSessionCommand(withdrawalAnswer, 'SESSION_CLOSED; 404 ENROLMENT_NOT_FOUND when the participant is neither enrolled nor waitlisted')
  async withdraw(
    @Param('id', uuidParam('id')) sessionId: string,
    @Param('participantId', uuidParam('participantId')) participantId: string,
    @Body(new ZodBodyPipe(withdrawParticipantBody)) _body: EmptyBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof withdrawalAnswer>> {
    const outcome = await this.sessions.run(sessionId, context, { type: 'WithdrawParticipant', data: { participantId, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    const promoted = outcome.events.find((event) => event.type === 'ParticipantPromotedFromWaitlist');
    return { status: 'withdrawn', ...(promoted ? { promotedParticipantId: promoted.data.participantId } : {}) };
  }
}
