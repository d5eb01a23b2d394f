import { Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { BeneficiaryConsentConsumer } from './beneficiary-consent/beneficiary-consent.consumer';
import { BeneficiaryConsentProjection } from './beneficiary-consent/beneficiary-consent.projection';
import { BeneficiaryConsentQuery } from './beneficiary-consent/beneficiary-consent.query';

@Module({
  controllers: [BeneficiaryConsentQuery, BeneficiaryConsentConsumer],
  providers: [{ provide: BeneficiaryConsentProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new BeneficiaryConsentProjection(store) }],
})
export class ReferralModule {}
