import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { ApiProblemResponse, ApiResponseOf, COMMAND_EXECUTOR, CommandExecutor, etagOf, NotFound, uuidParam } from '@oriental/service-kit';
import type { Response } from 'express';
import { BeneficiaryCodec } from '../beneficiary.codec';

import { BeneficiaryCaseAnswer, beneficiaryCaseAnswer } from './get-beneficiary.dto';

@ApiTags('beneficiaries')
@Controller('beneficiaries')
export class GetBeneficiaryController {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    private readonly codec: BeneficiaryCodec,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: "A beneficiary's case, folded from their stream, personal data opened for intake" })
  @ApiResponseOf(HttpStatus.OK, beneficiaryCaseAnswer, 'The case; ETag is the stream revision, for If-Match on later commands')
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_FOUND')
  async get(@Param('id', uuidParam('id')) id: string, @Res({ passthrough: true }) response: Response): Promise<BeneficiaryCaseAnswer> {
    const { state, revision } = await this.executor.load(beneficiaryStream(id), beneficiaryDecider, this.codec);
    if (state.status === 'unknown') throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_FOUND');
    response.setHeader('ETag', etagOf(revision));
    return {
      ...state,
      personalData: state.person ? 'present' : 'erased',
      possibleDuplicates: state.possibleDuplicates ?? [],
      needs: Object.values(state.needs),
      followUps: Object.values(state.followUps).sort((a, b) => a.dueDate.localeCompare(b.dueDate)),
      duplicates: Object.entries(state.duplicates).map(([otherBeneficiaryId, decision]) => ({ otherBeneficiaryId, decision })),
      revision,
    };
  }
}
