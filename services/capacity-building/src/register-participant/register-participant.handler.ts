import { Inject, Injectable } from '@nestjs/common';
import { participantDecider, participantStream } from '@oriental/capacity-building-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, keyedId, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { ParticipantCodec } from '../capacity-building.codec';
import { RegisterParticipantBody } from './register-participant.dto';

@Injectable()
export class RegisterParticipantHandler {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    private readonly codec: ParticipantCodec,
  ) {}

  async handle(body: RegisterParticipantBody, context: CommandContext) {
    const commune = this.referenceData.territory.communes.find((candidate) => candidate.id === body.commune);
    if (!commune) throw new RequestValidationError([{ field: 'commune', message: `unknown commune "${body.commune}"` }]);
    // Derived from the key, so a retried registration finds the stream it created.
    const participantId = keyedId(context, 'participant');
    const outcome = await this.executor.execute({
      stream: participantStream(participantId),
      decider: participantDecider,
      codec: this.codec.forDecisions,
      context,
      command: {
        type: 'RegisterParticipant',
        data: { participantId, ...body, province: commune.province, actor: context.actor, now: context.now },
      },
    });
    return { participantId, outcome };
  }
}
