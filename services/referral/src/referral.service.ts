import { ServiceDefinition } from '@oriental/service-kit';
import { BeneficiaryCaseProjection } from './beneficiary-case/beneficiary-case.projection';
import { referralStreamPrefixes, toReferralMessage } from './integration/referral-integration-events';
import { PartnerDirectoryProjection } from './partner-directory/partner-directory.projection';
import { ReferralListProjection } from './referral-list/referral-list.projection';
import { ReferralModule } from './referral.module';

export const referralService: ServiceDefinition = {
  name: 'referral',
  title: 'Referral',
  description:
    'Orientation of beneficiaries to partner services (administrative, legal, health, education, employment, social, investment): the partner directory, referrals and their answers, the consent gate. Owns `referral-<id>` and `partner-<id>` streams, publishes to the referral topic and reacts to intake events (consent, closure, transfer).',
  module: ReferralModule,
  port: (config) => config.REFERRAL_PORT,
  readModels: (readStore) => [new BeneficiaryCaseProjection(readStore), new PartnerDirectoryProjection(readStore), new ReferralListProjection(readStore)],
  consumerGroup: 'referral',
  forwarder: { streamPrefixes: referralStreamPrefixes, toMessage: toReferralMessage },
};
