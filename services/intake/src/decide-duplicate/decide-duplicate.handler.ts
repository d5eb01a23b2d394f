import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { beneficiaryStream } from '@oriental/intake-domain';
import { CommandContext, NotFound } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';

/** Records a cell's decision on a possible duplicate: the same person (link) or not (dismiss). */
@Injectable()
export class DecideDuplicateHandler {
  constructor(
    private readonly commands: BeneficiaryCommands,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async handle(decision: 'LinkDuplicate' | 'DismissDuplicate', beneficiaryId: string, otherBeneficiaryId: string, context: CommandContext) {
    // The other beneficiary must exist (it is another stream: the decider sees only this one), checked
    // once the caller is known to see this case, so nobody learns of ids through a case not theirs.
    // It may be of another cell: duplicates are found across the network. Itself is the decider's rule.
    const otherExists = async () => {
      if (otherBeneficiaryId !== beneficiaryId && (await this.store.readStream(beneficiaryStream(otherBeneficiaryId), { maxCount: 1 })).length === 0) {
        throw new NotFound('Beneficiary', otherBeneficiaryId, 'OTHER_BENEFICIARY_NOT_FOUND');
      }
    };
    return this.commands.execute({ type: decision, data: { beneficiaryId, otherBeneficiaryId, now: context.now } }, context, otherExists);
  }
}
