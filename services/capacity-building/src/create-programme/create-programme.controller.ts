import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { Allow, ApiBodyOf, CommandContext, CommandRequest, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { TRAINERS } from '../training/training-access';
import { answerCommand, ApiCreation } from '../training/training-http';
import { CreateProgrammeBody, createProgrammeBody, programmeCreatedAnswer } from './create-programme.dto';
import { CreateProgrammeHandler } from './create-programme.handler';

@Controller('programmes')
export class CreateProgrammeController {
  constructor(private readonly handler: CreateProgrammeHandler) {}

  @Allow(...TRAINERS)
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Creates a training programme' })
  @ApiBodyOf(createProgrammeBody)
  @ApiCreation('programmes', programmeCreatedAnswer, 'Created')
  async create(
    @Body(new ZodBodyPipe(createProgrammeBody)) body: CreateProgrammeBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<z.output<typeof programmeCreatedAnswer>> {
    const { programmeId, outcome } = await this.handler.handle(body, context);
    response.setHeader('Location', `/programmes/${programmeId}`);
    answerCommand(response, outcome);
    return { programmeId };
  }
}
