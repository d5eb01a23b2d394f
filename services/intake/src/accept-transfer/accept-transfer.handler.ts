import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { z } from 'zod';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { acceptTransferBody } from './accept-transfer.dto';

@Injectable()
export class AcceptTransferHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, transferId: string, body: z.output<typeof acceptTransferBody>, context: CommandContext) {
    return this.commands.execute({ type: 'AcceptTransfer', data: { beneficiaryId, transferId, ...body, now: context.now } }, context);
  }
}
