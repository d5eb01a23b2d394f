import { Controller, Get, HttpStatus, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, FieldError, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { z } from 'zod';
import { PartnerDirectoryProjection } from './partner-directory.projection';

/** What `GET /partners` answers: one definition for the handler's type and the OpenAPI document. */
export const partnerDirectoryAnswer = z.object({
  partners: z.array(
    z.object({
      partnerId: z.string().meta({ example: 'chr-al-farabi' }),
      name: z.string(),
      kind: z.string().meta({ description: 'Kind of partner (reference data partners.json)' }),
      provinces: z.array(z.string()).meta({ description: 'Provinces or prefectures it covers', example: ['oujda-angad', 'nador'] }),
      needs: z.array(z.string()).meta({ description: 'Need codes it covers', example: ['health'] }),
      responseDelayDays: z.int().nonnegative().meta({ description: 'Days it has to answer a referral before it is overdue' }),
    }),
  ),
});
export type PartnerDirectoryAnswer = z.output<typeof partnerDirectoryAnswer>;

@ApiTags('partners')
@Controller('partners')
export class PartnerDirectoryQuery {
  constructor(
    @Inject(PartnerDirectoryProjection) private readonly projection: PartnerDirectoryProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow('cell_agent', 'cell_supervisor', 'provincial_coordinator', 'regional_coordinator', 'partner', 'auditor')
  @Get()
  @ApiOperation({ summary: 'Partners covering a need in a province (the directory, from partner events)' })
  @ApiQuery({ name: 'need', required: false, description: 'Need code (reference data needs.json), e.g. health' })
  @ApiQuery({ name: 'province', required: false, description: 'Province or prefecture id, e.g. nador' })
  @ApiResponseOf(HttpStatus.OK, partnerDirectoryAnswer, 'The partners covering the need and the province given (all, without either)')
  @ApiProblemResponse(400, 'Unknown need or province, or another parameter (VALIDATION_FAILED with field errors)')
  async search(@Query() query: Record<string, unknown>): Promise<PartnerDirectoryAnswer> {
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
