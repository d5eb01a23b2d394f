import { Controller, Get, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound, RequestValidationError } from '@oriental/service-kit';
import { BeneficiaryConsent, BeneficiaryConsentProjection } from './beneficiary-consent.projection';

@ApiTags('consent')
@Controller('beneficiaries')
export class BeneficiaryConsentQuery {
  constructor(@Inject(BeneficiaryConsentProjection) private readonly projection: BeneficiaryConsentProjection) {}

  @Get(':id/sharing-consent')
  @ApiOperation({ summary: 'Whether a beneficiary consented to sharing with partners (the referral consent gate)' })
  @ApiOkResponse({ description: '{ beneficiaryId, cellId, sharing }' })
  async sharingConsent(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'id', message: 'must be a UUID' }]) })) id: string,
  ): Promise<BeneficiaryConsent> {
    const document = await this.projection.documents.get(id);
    if (!document) throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_KNOWN');
    return document.data;
  }
}
