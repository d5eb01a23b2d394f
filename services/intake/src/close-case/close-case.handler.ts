import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { CloseCaseBody } from './close-case.dto';

@Injectable()
export class CloseCaseHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, body: CloseCaseBody, context: CommandContext) {
    return this.commands.execute({ type: 'CloseCase', data: { beneficiaryId, ...body, now: context.now } }, context);
  }
}
