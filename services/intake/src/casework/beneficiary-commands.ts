import { Inject, Injectable } from '@nestjs/common';
import { BeneficiaryCommand, beneficiaryDecider, BeneficiaryEvent, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, CommandOutcome, REFERENCE_DATA } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { caseNotFound, seesCase } from './case-access';

/**
 * Runs a command on an existing beneficiary's case through the command executor (Idempotency-Key,
 * If-Match, nothing appended on error). The codec names, in every event's metadata, the cell
 * that has the case when the command arrives (journeys show it; intake's own read models fall
 * back on it). A caller who may not see the case gets 404, as if it did not exist.
 */
@Injectable()
export class BeneficiaryCommands {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    private readonly codec: BeneficiaryCodec,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  execute(command: Exclude<BeneficiaryCommand, { type: 'RegisterBeneficiary' }>, context: CommandContext): Promise<CommandOutcome<BeneficiaryEvent>> {
    const { principal } = context;
    const answersTransfer = command.type === 'AcceptTransfer' || command.type === 'DeclineTransfer';
    return this.executor.execute({
      stream: beneficiaryStream(command.data.beneficiaryId),
      decider: beneficiaryDecider,
      codec: this.codec.forDecisions,
      context,
      command,
      authorize: (state) => {
        if (principal && !seesCase(principal, state, this.referenceData, answersTransfer)) throw caseNotFound(command.data.beneficiaryId);
      },
    });
  }
}
