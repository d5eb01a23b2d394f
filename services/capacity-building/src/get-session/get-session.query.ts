import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SessionModalities } from '@oriental/contracts';
import { sessionDecider, sessionStream } from '@oriental/capacity-building-domain';
import { Allow, ApiProblemResponse, ApiResponseOf, COMMAND_EXECUTOR, CommandExecutor, etagOf, NotFound, uuidParam } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { sessionCodec } from '../capacity-building.codec';
import { TRAINING_READERS } from '../training/training-access';

export const sessionAnswer = z.object({
  sessionId: z.uuid(),
  programmeId: z.uuid(),
  cellId: z.string().optional(),
  province: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  trainer: z.string(),
  capacity: z.int().min(1),
  modality: z.enum(SessionModalities),
  minAttendance: z.number().meta({ description: 'The programme’s threshold when the session was scheduled' }),
  status: z.enum(['scheduled', 'closed']),
  enrolled: z.array(z.uuid()).meta({ description: 'Participants holding a place, in the order they got it' }),
  waitlist: z.array(z.uuid()).meta({ description: 'Participants in line, first in line first' }),
  closedAt: z.string().optional(),
});

/** A session read from its own stream (no read model: capacity and the line are the session's own state). */
@ApiTags('sessions')
@Controller('sessions')
export class GetSessionQuery {
  constructor(@Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor) {}

  @Allow(...TRAINING_READERS)
  @Get(':id')
  @ApiOperation({ summary: 'A session: its dates, capacity, who holds a place and who is in line' })
  @ApiResponseOf(HttpStatus.OK, sessionAnswer, 'The session; ETag is its stream revision, for If-Match on later commands')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID')
  @ApiProblemResponse(404, 'SESSION_NOT_FOUND')
  async get(@Param('id', uuidParam('id')) sessionId: string, @Res({ passthrough: true }) response: Response): Promise<z.output<typeof sessionAnswer>> {
    const { state, revision } = await this.executor.load(sessionStream(sessionId), sessionDecider, sessionCodec);
    if (state.status === 'none') throw new NotFound('Session', sessionId, 'SESSION_NOT_FOUND');
    response.setHeader('ETag', etagOf(revision));
    const { programmeId, cellId, province, startDate, endDate, trainer, capacity, modality, minAttendance, status, enrolled, waitlist, closedAt } = state;
    return {
      sessionId,
      programmeId,
      ...(cellId !== undefined ? { cellId } : {}),
      province,
      startDate,
      endDate,
      trainer,
      capacity,
      modality,
      minAttendance,
      status,
      enrolled,
      waitlist,
      ...(closedAt !== undefined ? { closedAt } : {}),
    };
  }
}
