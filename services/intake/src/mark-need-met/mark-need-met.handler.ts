import { Inject, Injectable } from '@nestjs/common';
import { ReferenceData } from '@oriental/reference-data';
import { CommandContext, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';

@Injectable()
export class MarkNeedMetHandler {
  constructor(
    private readonly commands: BeneficiaryCommands,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  handle(beneficiaryId: string, code: string, context: CommandContext) {
    if (!this.referenceData.isKnownNeed(code)) throw new RequestValidationError([{ field: 'code', message: `unknown need "${code}"` }]);
    return this.commands.execute({ type: 'MarkNeedMet', data: { beneficiaryId, code, now: context.now } }, context);
  }
}
