import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { ApiProblemResponse, FieldError, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { PartnerDirectoryProjection, PartnerEntry } from './partner-directory.projection';

@ApiTags('partners')
@Controller('partners')
export class PartnerDirectoryQuery {
  constructor(
    @Inject(PartnerDirectoryProjection) private readonly projection: PartnerDirectoryProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Partners covering a need in a province (the directory, from partner events)' })
  @ApiQuery({ name: 'need', required: false, description: 'Need code (reference data needs.json), e.g. health' })
  @ApiQuery({ name: 'province', required: false, description: 'Province or prefecture id, e.g. nador' })
  @ApiOkResponse({ description: '{ partners: [{ partnerId, name, kind, provinces, needs, responseDelayDays }] }' })
  @ApiProblemResponse(400, 'Unknown need or province, or another parameter (VALIDATION_FAILED with field errors)')
  async search(@Query() query: Record<string, unknown>): Promise<{ partners: PartnerEntry[] }> {
    const errors: FieldError[] = [];
    for (const name of Object.keys(query)) if (name !== 'need' && name !== 'province') errors.push({ field: name, message: 'should not exist' });
    const need = query['need'];
    const province = query['province'];
    if (need !== undefined && (typeof need !== 'string' || !this.referenceData.isKnownNeed(need))) errors.push({ field: 'need', message: `unknown need "${String(need)}"` });
    if (province !== undefined && (typeof province !== 'string' || !this.referenceData.isKnownProvince(province))) {
      errors.push({ field: 'province', message: `unknown province "${String(province)}"` });
    }
    if (errors.length > 0) throw new RequestValidationError(errors);
    return {
      partners: await this.projection.search({ ...(need !== undefined ? { need: need as string } : {}), ...(province !== undefined ? { province: province as string } : {}) }),
    };
  }
}
