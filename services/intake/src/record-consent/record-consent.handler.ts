import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { RecordConsentBody } from './record-consent.dto';

@Injectable()
export class RecordConsentHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  /** Who records a consent is kept with it (law 09-08): the command's actor. */
  handle(beneficiaryId: string, { purpose, given }: RecordConsentBody, context: CommandContext) {
    const data = { beneficiaryId, purpose, actor: context.actor, now: context.now };
    return this.commands.execute(given ? { type: 'GiveConsent', data } : { type: 'WithdrawConsent', data }, context);
  }
}
