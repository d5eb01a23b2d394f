import { Inject, Injectable } from '@nestjs/common';
import { programmeDecider, programmeStream } from '@oriental/capacity-building-domain';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, keyedId } from '@oriental/service-kit';
import { programmeCodec } from '../capacity-building.codec';
import { CreateProgrammeBody } from './create-programme.dto';

@Injectable()
export class CreateProgrammeHandler {
  constructor(@Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor) {}

  async handle(body: CreateProgrammeBody, context: CommandContext) {
    // Derived from the key, so a retried creation finds the stream it created.
    const programmeId = keyedId(context, 'programme');
    const outcome = await this.executor.execute({
      stream: programmeStream(programmeId),
      decider: programmeDecider,
      codec: programmeCodec,
      context,
      command: { type: 'CreateProgramme', data: { programmeId, ...body, actor: context.actor, now: context.now } },
    });
    return { programmeId, outcome };
  }
}
