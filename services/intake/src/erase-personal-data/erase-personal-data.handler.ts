import { Injectable } from '@nestjs/common';
import { CommandContext } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { PersonalDataVault } from '@oriental/personal-data';
import { ErasePersonalDataBody } from './erase-personal-data.dto';

/**
 * Erases a person's personal data: appends `PersonalDataErased`, then destroys their key in the
 * key store (crypto-shredding: every sealed value, in every stored event, is unreadable from then
 * on, and the key's tombstone refuses any new one).
 *
 * The event first, the key second. A crash between the two leaves the event without the
 * destruction: the person still reads, but the case says erased and takes no more personal data;
 * the retry (same Idempotency-Key, answered from the stream) or any later erasure request (the
 * decider appends nothing, the case being erased already) destroys the key. The other order could
 * destroy a key with no event saying why, or for a command the decider then refused.
 */
@Injectable()
export class ErasePersonalDataHandler {
  constructor(
    private readonly commands: BeneficiaryCommands,
    private readonly vault: PersonalDataVault,
  ) {}

  async handle(beneficiaryId: string, body: ErasePersonalDataBody, context: CommandContext) {
    const outcome = await this.commands.execute({ type: 'ErasePersonalData', data: { beneficiaryId, ...body, now: context.now } }, context);
    await this.vault.destroyKey(beneficiaryId, context.now);
    return outcome;
  }
}
