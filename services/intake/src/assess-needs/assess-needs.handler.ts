import { Inject, Injectable } from '@nestjs/common';
import { ReferenceData } from '@oriental/reference-data';
import { CommandContext, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { AssessNeedsBody } from './assess-needs.dto';

@Injectable()
export class AssessNeedsHandler {
  constructor(
    private readonly commands: BeneficiaryCommands,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  handle(beneficiaryId: string, body: AssessNeedsBody, context: CommandContext) {
    const unknown = body.needs.flatMap(({ code }, index) => (this.referenceData.isKnownNeed(code) ? [] : [{ field: `needs.${index}.code`, message: `unknown need "${code}"` }]));
    if (unknown.length > 0) throw new RequestValidationError(unknown);
    return this.commands.execute({ type: 'AssessNeeds', data: { beneficiaryId, needs: body.needs, now: context.now } }, context);
  }
}
