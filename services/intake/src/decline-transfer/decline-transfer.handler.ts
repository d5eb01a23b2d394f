import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { z } from 'zod';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { declineTransferBody } from './decline-transfer.dto';

@Injectable()
export class DeclineTransferHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, transferId: string, body: z.output<typeof declineTransferBody>, context: CommandContext) {
    return this.commands.execute({ type: 'DeclineTransfer', data: { beneficiaryId, transferId, ...body, now: context.now } }, context);
  }
}
