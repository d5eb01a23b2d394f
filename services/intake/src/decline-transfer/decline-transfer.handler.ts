import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { DeclineTransferBody } from './decline-transfer.dto';

@Injectable()
export class DeclineTransferHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, transferId: string, body: DeclineTransferBody, context: CommandContext) {
    return this.commands.execute({ type: 'DeclineTransfer', data: { beneficiaryId, transferId, ...body, now: context.now } }, context);
  }
}
