import { Inject, Injectable } from '@nestjs/common';
import { fold } from '@oriental/domain-kit';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { BeneficiaryCommand, beneficiaryDecider, BeneficiaryEvent, beneficiaryStream, decodeWithoutPersonalData } from '@oriental/intake-domain';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, CommandOutcome } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';

/**
 * Runs a command on an existing beneficiary's case through the command executor (Idempotency-Key,
 * If-Match, nothing appended on error). Every event it appends names, in its metadata, the cell
 * that has the case when the command arrives (journeys show it; intake's own read models fall
 * back on it): the case is read once more for that, without opening personal data.
 */
@Injectable()
export class BeneficiaryCommands {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly codec: BeneficiaryCodec,
  ) {}

  async execute(command: Exclude<BeneficiaryCommand, { type: 'RegisterBeneficiary' }>, context: CommandContext): Promise<CommandOutcome<BeneficiaryEvent>> {
    const { beneficiaryId } = command.data;
    const stream = beneficiaryStream(beneficiaryId);
    const current = fold(beneficiaryDecider, (await this.store.readStream(stream)).map(decodeWithoutPersonalData));
    return this.executor.execute({
      stream,
      decider: beneficiaryDecider,
      codec: this.codec,
      beneficiaryId,
      ...(current.status === 'unknown' ? {} : { cellId: current.cellId }),
      context,
      command,
    });
  }
}
