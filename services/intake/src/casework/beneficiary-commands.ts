import { Inject, Injectable } from '@nestjs/common';
import { BeneficiaryCommand, beneficiaryDecider, BeneficiaryEvent, beneficiaryStream } from '@oriental/intake-domain';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, CommandOutcome } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';

/**
 * Runs a command on an existing beneficiary's case through the command executor (Idempotency-Key,
 * If-Match, nothing appended on error). The codec names, in every event's metadata, the cell
 * that has the case when the command arrives (journeys show it; intake's own read models fall
 * back on it).
 */
@Injectable()
export class BeneficiaryCommands {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    private readonly codec: BeneficiaryCodec,
  ) {}

  execute(command: Exclude<BeneficiaryCommand, { type: 'RegisterBeneficiary' }>, context: CommandContext): Promise<CommandOutcome<BeneficiaryEvent>> {
    return this.executor.execute({ stream: beneficiaryStream(command.data.beneficiaryId), decider: beneficiaryDecider, codec: this.codec.forDecisions, context, command });
  }
}
