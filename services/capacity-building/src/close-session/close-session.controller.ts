import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, uuidParam, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { SessionCommands } from '../training/session-commands';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiSessionCommand, EmptyBody } from '../training/training-http';
import { newCertificateCode } from './certificate-codes';
import { closeSessionBody, sessionClosedAnswer } from './close-session.dto';

@Controller('sessions')
export class CloseSessionController {
  constructor(private readonly sessions: SessionCommands) {}

  @Allow(...TRAINERS)
  @Post(':id/close')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Closes the session: who attended at least the programme’s threshold completes it and gets a certificate with a verification code' })
  @ApiBodyOf(closeSessionBody)
  @ApiSessionCommand(sessionClosedAnswer, 'SESSION_ALREADY_CLOSED (409: certificates are issued once), SESSION_NOT_ENDED (before its last day)')
  async close(
    @Param('id', uuidParam('id')) sessionId: string,
    @Body(new ZodBodyPipe(closeSessionBody)) _body: EmptyBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof sessionClosedAnswer>> {
    const outcome = await this.sessions.run(sessionId, context, { type: 'CloseSession', data: { newCertificateCode, actor: context.actor, now: context.now } });
    answerCommand(response, outcome);
    const closed = outcome.events.find((event) => event.type === 'SessionClosed');
    return {
      sessionId,
      enrolled: closed?.data.enrolled ?? 0,
      completed: closed?.data.completed ?? 0,
      certificates: outcome.events.flatMap((event) => (event.type === 'CertificateIssued' ? [{ participantId: event.data.participantId, code: event.data.code }] : [])),
    };
  }
}
