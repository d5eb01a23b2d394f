import { Inject, Injectable } from '@nestjs/common';
import { BeneficiaryCommand, beneficiaryDecider, BeneficiaryEvent, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, CommandOutcome, REFERENCE_DATA } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { assertAnswersTransfer, caseNotFound, seesCase } from './case-access';

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

  /**
   * `precondition` runs once the caller is known to see the case, before the decision: a check
   * against another stream (the decider sees only this one) never answers a caller who may not
   * see this case.
   */
  execute(
    command: Exclude<BeneficiaryCommand, { type: 'RegisterBeneficiary' }>,
    context: CommandContext,
    precondition?: () => Promise<void>,
  ): Promise<CommandOutcome<BeneficiaryEvent>> {
    const { principal } = context;
    const answersTransfer = command.type === 'AcceptTransfer' || command.type === 'DeclineTransfer';
    return this.executor.execute({
      stream: beneficiaryStream(command.data.beneficiaryId),
      decider: beneficiaryDecider,
      codec: this.codec.forDecisions,
      context,
      command,
      authorize: async (state) => {
        if (principal) {
          if (!seesCase(principal, state, this.referenceData, answersTransfer)) throw caseNotFound(command.data.beneficiaryId);
          if (answersTransfer) assertAnswersTransfer(principal, state, this.referenceData);
        }
        await precondition?.();
      },
    });
  }
}
