import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { AcceptTransferBody } from './accept-transfer.dto';

@Injectable()
export class AcceptTransferHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, transferId: string, body: AcceptTransferBody, context: CommandContext) {
    return this.commands.execute({ type: 'AcceptTransfer', data: { beneficiaryId, transferId, ...body, now: context.now } }, context);
  }
}
