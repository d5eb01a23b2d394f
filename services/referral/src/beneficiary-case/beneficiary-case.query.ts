import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, NotFound, Principal, REFERENCE_DATA, seesCell, uuidParam } from '@oriental/service-kit';
import { z } from 'zod';
import { CASE_READERS } from '../referral-access';
import { BeneficiaryCaseProjection } from './beneficiary-case.projection';

/** What `GET /beneficiaries/{id}/sharing-consent` answers (the consent gate of a referral). */
export const sharingConsentAnswer = z.object({
  beneficiaryId: z.uuid(),
  cellId: z.string().meta({ description: 'The cell the case belongs to now', example: 'oujda' }),
  sharing: z.boolean().meta({ description: 'Whether the beneficiary consents to sharing their case with partners' }),
});
export type SharingConsentAnswer = z.output<typeof sharingConsentAnswer>;

/** What `GET /beneficiaries/{id}/case` answers: what referral knows of the case from intake's events. */
export const beneficiaryCaseAnswer = sharingConsentAnswer.extend({
  status: z.enum(['open', 'closed']).meta({ description: 'A referral is refused for a closed case' }),
});
export type BeneficiaryCaseAnswer = z.output<typeof beneficiaryCaseAnswer>;


@ApiTags('consent')
@Controller('beneficiaries')
export class BeneficiaryCaseQuery {
  constructor(
    @Inject(BeneficiaryCaseProjection) private readonly projection: BeneficiaryCaseProjection,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  /** The case, if referral knows it and the caller sees its cell: otherwise 404 alike. */
  private async visible(id: string, caller: Principal) {
    const found = await this.projection.find(id);
    if (!found || !seesCell(caller, found.cellId, this.referenceData)) throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_KNOWN');
    return found;
  }

  @Allow(...CASE_READERS)
  @Get(':id/sharing-consent')
  @ApiOperation({ summary: 'Whether a beneficiary consented to sharing with partners (the referral consent gate)' })
  @ApiResponseOf(HttpStatus.OK, sharingConsentAnswer, 'Whether the beneficiary consents to sharing')
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_KNOWN')
  async sharingConsent(@Param('id', uuidParam('id')) id: string, @Caller() caller: Principal): Promise<SharingConsentAnswer> {
    const found = await this.visible(id, caller);
    return { beneficiaryId: found.beneficiaryId, cellId: found.cellId, sharing: found.sharing };
  }

  @Allow(...CASE_READERS)
  @Get(':id/case')
  @ApiOperation({ summary: "What referral knows of a beneficiary's case: its cell now, consent to sharing, open or closed" })
  @ApiResponseOf(HttpStatus.OK, beneficiaryCaseAnswer, "The beneficiary's case as referral knows it")
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_KNOWN')
  async case(@Param('id', uuidParam('id')) id: string, @Caller() caller: Principal): Promise<BeneficiaryCaseAnswer> {
    return this.visible(id, caller);
  }
}
