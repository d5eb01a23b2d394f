import { Controller, Get, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponse, NotFound, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryCase, BeneficiaryCaseProjection } from './beneficiary-case.projection';

const uuidPipe = new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'id', message: 'must be a UUID' }]) });

@ApiTags('consent')
@Controller('beneficiaries')
export class BeneficiaryCaseQuery {
  constructor(@Inject(BeneficiaryCaseProjection) private readonly projection: BeneficiaryCaseProjection) {}

  @Get(':id/sharing-consent')
  @ApiOperation({ summary: 'Whether a beneficiary consented to sharing with partners (the referral consent gate)' })
  @ApiOkResponse({ description: '{ beneficiaryId, cellId, sharing }' })
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_KNOWN')
  async sharingConsent(@Param('id', uuidPipe) id: string): Promise<Pick<BeneficiaryCase, 'beneficiaryId' | 'cellId' | 'sharing'>> {
    const found = await this.projection.find(id);
    if (!found) throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_KNOWN');
    return { beneficiaryId: found.beneficiaryId, cellId: found.cellId, sharing: found.sharing };
  }

  @Get(':id/case')
  @ApiOperation({ summary: "What referral knows of a beneficiary's case: its cell now, consent to sharing, open or closed" })
  @ApiOkResponse({ description: '{ beneficiaryId, cellId, sharing, status: open | closed }' })
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_KNOWN')
  async case(@Param('id', uuidPipe) id: string): Promise<Required<BeneficiaryCase>> {
    const found = await this.projection.find(id);
    if (!found) throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_KNOWN');
    return found;
  }
}
