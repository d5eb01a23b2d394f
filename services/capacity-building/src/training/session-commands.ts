import { Inject, Injectable } from '@nestjs/common';
import { Session, SessionCommand, sessionDecider, SessionEvent, sessionStream } from '@oriental/capacity-building-domain';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, CommandOutcome } from '@oriental/service-kit';
import { sessionCodec } from '../capacity-building.codec';

/**
 * Runs a command on a session through the executor (Idempotency-Key, If-Match, racing writers:
 * two enrolments racing for the last place are decided one after the other, on the stream as the
 * other left it). The decider answers 404 for a session never scheduled.
 */
@Injectable()
export class SessionCommands {
  constructor(@Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor) {}

  run(sessionId: string, context: CommandContext, command: SessionCommand): Promise<CommandOutcome<SessionEvent, Session>> {
    return this.executor.execute({ stream: sessionStream(sessionId), decider: sessionDecider, codec: sessionCodec, context, command });
  }
}
