import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ActorTypes } from '@oriental/contracts';
import { programmeDecider, programmeStream } from '@oriental/capacity-building-domain';
import { Allow, ApiProblemResponse, ApiResponseOf, COMMAND_EXECUTOR, CommandExecutor, etagOf, NotFound, uuidParam } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { programmeCodec } from '../capacity-building.codec';
import { TRAINING_READERS } from '../training/training-access';

export const programmeAnswer = z.object({
  programmeId: z.uuid(),
  title: z.string(),
  objectives: z.string(),
  targetActorTypes: z.array(z.enum(ActorTypes)),
  minAttendance: z.number(),
  createdAt: z.string(),
});

@ApiTags('programmes')
@Controller('programmes')
export class GetProgrammeQuery {
  constructor(@Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor) {}

  @Allow(...TRAINING_READERS)
  @Get(':id')
  @ApiOperation({ summary: 'A programme: its objectives, who it is for, its attendance threshold' })
  @ApiResponseOf(HttpStatus.OK, programmeAnswer, 'The programme; ETag is its stream revision')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID')
  @ApiProblemResponse(404, 'PROGRAMME_NOT_FOUND')
  async get(@Param('id', uuidParam('id')) programmeId: string, @Res({ passthrough: true }) response: Response): Promise<z.output<typeof programmeAnswer>> {
    const { state, revision } = await this.executor.load(programmeStream(programmeId), programmeDecider, programmeCodec);
    if (state.status === 'none') throw new NotFound('Programme', programmeId, 'PROGRAMME_NOT_FOUND');
    response.setHeader('ETag', etagOf(revision));
    const { title, objectives, targetActorTypes, minAttendance, createdAt } = state;
    return { programmeId, title, objectives, targetActorTypes, minAttendance, createdAt };
  }
}
