import { Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { AcceptReferralController } from './accept-referral/accept-referral.controller';
import { BeneficiaryCaseConsumer } from './beneficiary-case/beneficiary-case.consumer';
import { BeneficiaryCaseProjection } from './beneficiary-case/beneficiary-case.projection';
import { BeneficiaryCaseQuery } from './beneficiary-case/beneficiary-case.query';
import { CompleteReferralController } from './complete-referral/complete-referral.controller';
import { DeclineReferralController } from './decline-referral/decline-referral.controller';
import { GetReferralController } from './get-referral/get-referral.controller';
import { IntakeReactionsConsumer } from './intake-reactions/intake-reactions.consumer';
import { IntakeReactions } from './intake-reactions/intake-reactions.handler';
import { PartnerDirectoryConsumer } from './partner-directory/partner-directory.consumer';
import { PartnerDirectoryProjection } from './partner-directory/partner-directory.projection';
import { PartnerDirectoryQuery } from './partner-directory/partner-directory.query';
import { PartnerDirectorySeeder } from './partner-directory/partner-directory.seeder';
import { ReferralCommands } from './referral-commands';
import { ReferralListConsumer } from './referral-list/referral-list.consumer';
import { ReferralListProjection } from './referral-list/referral-list.projection';
import { ReferralListQuery } from './referral-list/referral-list.query';
import { RevokeReferralController } from './revoke-referral/revoke-referral.controller';
import { SendReferralController } from './send-referral/send-referral.controller';
import { SendReferralHandler } from './send-referral/send-referral.handler';

@Module({
  controllers: [
    SendReferralController,
    AcceptReferralController,
    DeclineReferralController,
    CompleteReferralController,
    RevokeReferralController,
    ReferralListQuery,
    GetReferralController,
    PartnerDirectoryQuery,
    BeneficiaryCaseQuery,
    BeneficiaryCaseConsumer,
    IntakeReactionsConsumer,
    PartnerDirectoryConsumer,
    ReferralListConsumer,
  ],
  providers: [
    { provide: BeneficiaryCaseProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new BeneficiaryCaseProjection(store) },
    { provide: PartnerDirectoryProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new PartnerDirectoryProjection(store) },
    { provide: ReferralListProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new ReferralListProjection(store) },
    ReferralCommands,
    SendReferralHandler,
    IntakeReactions,
    PartnerDirectorySeeder,
  ],
})
export class ReferralModule {}
