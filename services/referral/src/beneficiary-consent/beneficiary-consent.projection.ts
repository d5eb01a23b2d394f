import { Controller, Get, Inject, Logger, Param, ParseUUIDPipe } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BeneficiaryRegisteredV1, ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import { applyToDocument, DocumentCollection, READ_STORE, ReadStore } from '@oriental/read-store';
import { consumeIntegrationMessage, NotFound, RequestValidationError } from '@oriental/service-kit';

/**
 * What referral needs to know of intake: whether the beneficiary consented to sharing their
 * case with partners. A referral (orientation to a partner service) is blocked without that
 * consent unless an override is recorded — the referral domain arrives in a later milestone,
 * this read model is its consent gate.
 */
export interface BeneficiaryConsent {
  beneficiaryId: string;
  cellId: string;
  sharing: boolean;
}

export const BENEFICIARY_CONSENTS = 'referral_beneficiary_consents';
const intakeContracts = new ContractRegistry(IntakeContracts);

@ApiTags('consent')
@Controller('beneficiaries')
export class BeneficiaryConsentProjection {
  private readonly logger = new Logger('intake-consumer');
  private readonly consents: DocumentCollection<BeneficiaryConsent>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.consents = readStore.collection<BeneficiaryConsent>(BENEFICIARY_CONSENTS);
  }

  @EventPattern(Topics.intake)
  async onIntakeEvent(@Payload() message: unknown): Promise<void> {
    await consumeIntegrationMessage(intakeContracts, message, this.logger, async (event) => {
      if (event.type !== 'BeneficiaryRegistered') return;
      const data = event.data as BeneficiaryRegisteredV1;
      await applyToDocument(this.consents, data.beneficiaryId, event.source, () => ({
        beneficiaryId: data.beneficiaryId,
        cellId: data.cellId,
        sharing: data.consent.sharing,
      }));
    });
  }

  @Get(':id/sharing-consent')
  @ApiOperation({ summary: 'Whether a beneficiary consented to sharing with partners (the referral consent gate)' })
  @ApiOkResponse({ description: '{ beneficiaryId, cellId, sharing }' })
  async sharingConsent(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'id', message: 'must be a UUID' }]) })) id: string,
  ): Promise<BeneficiaryConsent> {
    const document = await this.consents.get(id);
    if (!document) throw new NotFound('Beneficiary', id, 'BENEFICIARY_NOT_KNOWN');
    return document.data;
  }
}
