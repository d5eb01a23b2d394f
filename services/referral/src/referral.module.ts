import { Module } from '@nestjs/common';
import { BeneficiaryConsentProjection } from './beneficiary-consent/beneficiary-consent.projection';

@Module({ controllers: [BeneficiaryConsentProjection] })
export class ReferralModule {}
