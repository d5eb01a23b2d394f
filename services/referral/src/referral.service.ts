import { ServiceDefinition } from '@oriental/service-kit';
import { BeneficiaryConsentProjection } from './beneficiary-consent/beneficiary-consent.projection';
import { ReferralModule } from './referral.module';

export const referralService: ServiceDefinition = {
  name: 'referral',
  title: 'Referral',
  description:
    'Orientation of beneficiaries to partner services (administrative, legal, health, education, employment, social, investment). Owns `referral-<id>` and `partner-<id>` streams; reacts to intake events.',
  module: ReferralModule,
  port: (config) => config.REFERRAL_PORT,
  readModels: (readStore) => [new BeneficiaryConsentProjection(readStore)],
  consumerGroup: 'referral',
  // Nothing to publish yet, but the forwarder follows its categories from day one.
  forwarder: { streamPrefixes: ['referral-', 'partner-'], toMessage: () => null },
};
