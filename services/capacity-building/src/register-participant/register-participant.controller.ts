import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiCreation } from '../training/training-http';
import { participantRegisteredAnswer, RegisterParticipantBody, registerParticipantBody } from './register-participant.dto';
import { RegisterParticipantHandler } from './register-participant.handler';

@Controller('participants')
export class RegisterParticipantController {
  constructor(private readonly handler: RegisterParticipantHandler) {}

  @Allow(...TRAINERS)
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Registers a participant (a person trained); their names are sealed' })
  @ApiBodyOf(registerParticipantBody)
  @ApiCreation('participants', participantRegisteredAnswer, 'Registered', 'PERSONAL_DATA_ERASED')
  async register(
    @Body(new ZodBodyPipe(registerParticipantBody)) body: RegisterParticipantBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof participantRegisteredAnswer>> {
    const { participantId, outcome } = await this.handler.handle(body, context);
    response.setHeader('Location', `/participants/${participantId}`);
    answerCommand(response, outcome);
    return { participantId };
  }
}
