import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { participantDecider, participantStream } from '@oriental/capacity-building-domain';
import { fold } from '@oriental/domain-kit';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, etagOf, NotFound, Principal, uuidParam } from '@oriental/service-kit';
import type { Response } from 'express';
import { ParticipantCodec } from '../capacity-building.codec';
import { enrolmentsCollection, enrolmentsOf } from '../enrolments/enrolments.projection';
import { TRAINING_READERS } from '../training/training-access';
import { ParticipantAnswer, participantAnswer } from './get-participant.dto';

@ApiTags('participants')
@Controller('participants')
export class GetParticipantQuery {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly codec: ParticipantCodec,
  ) {}

  @Allow(...TRAINING_READERS)
  @Get(':id')
  @ApiOperation({ summary: 'A participant, their enrolment in each session and their certificate codes; names for trainers only' })
  @ApiResponseOf(HttpStatus.OK, participantAnswer, 'The participant; ETag is their stream’s revision')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID')
  @ApiProblemResponse(404, 'PARTICIPANT_NOT_FOUND')
  async get(@Param('id', uuidParam('id')) participantId: string, @Caller() caller: Principal, @Res({ passthrough: true }) response: Response): Promise<ParticipantAnswer> {
    const history = await this.store.readStream(participantStream(participantId));
    // Only a trainer's read opens the names: coordinators and auditors count, they need nobody's name.
    const decode = caller.role === 'trainer' ? (stored: (typeof history)[number]) => this.codec.decode(stored) : (stored: (typeof history)[number]) => this.codec.forDecisions.decode(stored);
    const participant = fold(participantDecider, await Promise.all(history.map(decode)));
    if (participant.status === 'none') throw new NotFound('Participant', participantId, 'PARTICIPANT_NOT_FOUND');
    const enrolments = await enrolmentsOf(enrolmentsCollection(this.readStore), participantId);
    response.setHeader('ETag', etagOf(history.length - 1));
    const { actorType, sex, organisation, commune, province, registeredAt, names } = participant;
    return {
      participantId,
      actorType,
      sex,
      organisation,
      commune,
      province,
      registeredAt,
      ...(caller.role === 'trainer' ? { names } : {}),
      enrolments: enrolments.map(({ sessionId, status, certificateCode }) => ({ sessionId, status, ...(certificateCode ? { certificateCode } : {}) })),
      certificates: enrolments.flatMap(({ sessionId, certificateCode, issuedAt }) => (certificateCode && issuedAt ? [{ code: certificateCode, sessionId, issuedAt }] : [])),
    };
  }
}
