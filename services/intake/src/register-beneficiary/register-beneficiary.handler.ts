import { Inject, Injectable } from '@nestjs/common';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, Forbidden, keyedId, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { DuplicateIndex } from '../duplicates/duplicate-index';
import { PossibleDuplicate } from '../duplicates/scoring';
import { RegisterBeneficiaryBody } from './register-beneficiary.dto';

@Injectable()
export class RegisterBeneficiaryHandler {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    private readonly codec: BeneficiaryCodec,
    private readonly duplicates: DuplicateIndex,
  ) {}

  async handle(body: RegisterBeneficiaryBody, context: CommandContext): Promise<{ beneficiaryId: string; revision: number; replayed: boolean; possibleDuplicates: PossibleDuplicate[] }> {
    if (!this.referenceData.isKnownCell(body.cellId)) {
      throw new RequestValidationError([{ field: 'cellId', message: `unknown cell "${body.cellId}"` }]);
    }
    if (context.principal && context.principal.cellId !== body.cellId) {
      throw new Forbidden('CELL_NOT_YOURS', `You register for your own cell (${context.principal.cellId ?? 'none'}), not ${body.cellId}`);
    }
    // Derived from the key, so a retried registration finds the stream it created.
    const beneficiaryId = keyedId(context, 'beneficiary');
    // Who the person may already be: it never refuses a registration, and is kept in it, so a
    // retry answers the list the first attempt recorded.
    const { firstName, lastName, phone } = body.person;
    const screened = await this.duplicates.find({ firstName, lastName, birthYear: body.birthYear, ...(phone ? { phone } : {}) }, beneficiaryId);
    const outcome = await this.executor.execute({
      stream: beneficiaryStream(beneficiaryId),
      decider: beneficiaryDecider,
      codec: this.codec.forDecisions,
      context,
      command: {
        type: 'RegisterBeneficiary',
        // The body is the registration as the cell states it (its schema is the one definition).
        data: {
          beneficiaryId,
          ...body,
          possibleDuplicates: screened,
          now: context.now,
        },
      },
    });
    const [registered] = outcome.events;
    const possibleDuplicates = registered?.type === 'BeneficiaryRegistered' ? (registered.data.possibleDuplicates ?? []) : [];
    return { beneficiaryId, revision: outcome.revision, replayed: outcome.replayed, possibleDuplicates };
  }
}
