import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { ReopenCaseBody } from './reopen-case.dto';

@Injectable()
export class ReopenCaseHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, body: ReopenCaseBody, context: CommandContext) {
    return this.commands.execute({ type: 'ReopenCase', data: { beneficiaryId, ...body, now: context.now } }, context);
  }
}
