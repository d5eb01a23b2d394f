import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { RecordProfileBody } from './record-profile.dto';

@Injectable()
export class RecordProfileHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  handle(beneficiaryId: string, body: RecordProfileBody, context: CommandContext) {
    return this.commands.execute({ type: 'RecordProfile', data: { beneficiaryId, ...body, now: context.now } }, context);
  }
}
