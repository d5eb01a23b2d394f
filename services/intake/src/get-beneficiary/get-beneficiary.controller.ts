import { Controller, Get, Inject, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { COMMAND_EXECUTOR, CommandExecutor, etagOf, NotFound, RequestValidationError } from '@oriental/service-kit';
import type { Response } from 'express';
import { BeneficiaryCodec } from '../beneficiary.codec';

const uuidPipe = new ParseUUIDPipe({
  exceptionFactory: () => new RequestValidationError([{ field: 'id', message: 'must be a UUID' }]),
});

@ApiTags('beneficiaries')
@Controller('beneficiaries')
export class GetBeneficiaryController {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    private readonly codec: BeneficiaryCodec,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: "A beneficiary's current state, folded from their stream" })
  @ApiOkResponse({ description: 'The beneficiary; ETag is the stream revision, for If-Match on later commands' })
  @ApiNotFoundResponse({ description: 'BENEFICIARY_NOT_FOUND' })
  async get(@Param('id', uuidPipe) id: string, @Res({ passthrough: true }) response: Response) {
    const { state, revision } = await this.executor.load(beneficiaryStream(id), beneficiaryDecider, this.codec);
    if (state.status === 'unknown') throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_FOUND');
    response.setHeader('ETag', etagOf(revision));
    const { status, ...beneficiary } = state;
    return { ...beneficiary, status, revision, personalData: beneficiary.person ? 'present' : 'erased' };
  }
}
