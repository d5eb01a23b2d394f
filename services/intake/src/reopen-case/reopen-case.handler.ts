import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { z } from 'zod';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { reopenCaseBody } from './reopen-case.dto';

@Injectable()
export class ReopenCaseHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, body: z.output<typeof reopenCaseBody>, context: CommandContext) {
    return this.commands.execute({ type: 'ReopenCase', data: { beneficiaryId, ...body, now: context.now } }, context);
  }
}
