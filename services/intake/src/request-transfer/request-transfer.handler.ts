import { Inject, Injectable } from '@nestjs/common';
import { ReferenceData } from '@oriental/reference-data';
import { CommandContext, keyedId, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { RequestTransferBody } from './request-transfer.dto';

@Injectable()
export class RequestTransferHandler {
  constructor(
    private readonly commands: BeneficiaryCommands,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  async handle(beneficiaryId: string, body: RequestTransferBody, context: CommandContext) {
    if (!this.referenceData.isKnownCell(body.toCellId)) throw new RequestValidationError([{ field: 'toCellId', message: `unknown cell "${body.toCellId}"` }]);
    // Derived from the key, so that a retried request asks for the same transfer.
    const transferId = keyedId(context, `transfer:${beneficiaryId}`);
    const outcome = await this.commands.execute({ type: 'RequestTransfer', data: { beneficiaryId, transferId, ...body, now: context.now } }, context);
    return { transferId, outcome };
  }
}
