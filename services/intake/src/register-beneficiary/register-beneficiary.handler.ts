import { Inject, Injectable } from '@nestjs/common';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, keyedId, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { DuplicateFinder } from '../duplicates/duplicate-finder';
import { PossibleDuplicate } from '../duplicates/scoring';
import { RegisterBeneficiaryBody } from './register-beneficiary.dto';

@Injectable()
export class RegisterBeneficiaryHandler {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    private readonly codec: BeneficiaryCodec,
    private readonly duplicates: DuplicateFinder,
  ) {}

  async handle(body: RegisterBeneficiaryBody, context: CommandContext): Promise<{ beneficiaryId: string; revision: number; replayed: boolean; possibleDuplicates: PossibleDuplicate[] }> {
    if (!this.referenceData.isKnownCell(body.cellId)) {
      throw new RequestValidationError([{ field: 'cellId', message: `unknown cell "${body.cellId}"` }]);
    }
    // Derived from the key, so a retried registration finds the stream it created.
    const beneficiaryId = keyedId(context, 'beneficiary');
    const outcome = await this.executor.execute({
      stream: beneficiaryStream(beneficiaryId),
      decider: beneficiaryDecider,
      codec: this.codec,
      context,
      command: {
        type: 'RegisterBeneficiary',
        data: {
          beneficiaryId,
          cellId: body.cellId,
          category: body.category,
          sex: body.sex,
          birthYear: body.birthYear,
          nationality: body.nationality,
          consent: { services: body.consent.services, sharing: body.consent.sharing, statistics: body.consent.statistics },
          person: body.person,
          ...(body.profile ? { profile: body.profile } : {}),
          now: context.now,
        },
      },
    });
    // After the append, so a refused registration searches nothing; it never refuses one. Kept
    // at the first answer, so that a retry answers the same list (DuplicateFinder).
    const { firstName, lastName, phone } = body.person;
    const possibleDuplicates = await this.duplicates.screenRegistration(
      beneficiaryId,
      { firstName, lastName, birthYear: body.birthYear, ...(phone ? { phone } : {}) },
      outcome.replayed,
    );
    return { beneficiaryId, revision: outcome.revision, replayed: outcome.replayed, possibleDuplicates };
  }
}
