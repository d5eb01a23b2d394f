import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { RecordFollowUpOutcomeBody } from './record-follow-up-outcome.dto';

@Injectable()
export class RecordFollowUpOutcomeHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, followUpId: string, body: RecordFollowUpOutcomeBody, context: CommandContext) {
    return this.commands.execute({ type: 'RecordFollowUpOutcome', data: { beneficiaryId, followUpId, ...body, now: context.now } }, context);
  }
}
