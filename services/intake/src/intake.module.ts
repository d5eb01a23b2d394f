import { Logger, Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { SERVICE_CONFIG, ServiceConfig } from '@oriental/service-kit';
import { AccessLog } from './access-log/access-log';
import { BeneficiaryCodec } from './beneficiary.codec';
import { duplicateDetectionProviders } from './duplicates/duplicates.providers';
import { ExportBeneficiaryController } from './export-beneficiary/export-beneficiary.controller';
import { GetBeneficiaryController } from './get-beneficiary/get-beneficiary.controller';
import { PersonalDataVault } from '@oriental/personal-data';
import { intakePersonalDataProviders } from './personal-data/personal-data.providers';
import { ErasePersonalDataController } from './erase-personal-data/erase-personal-data.controller';
import { ErasePersonalDataHandler } from './erase-personal-data/erase-personal-data.handler';
import { RegisterBeneficiaryController } from './register-beneficiary/register-beneficiary.controller';
import { RegisterBeneficiaryHandler } from './register-beneficiary/register-beneficiary.handler';
import { RecordProfileController } from './record-profile/record-profile.controller';
import { RecordProfileHandler } from './record-profile/record-profile.handler';
import { RecordConsentController } from './record-consent/record-consent.controller';
import { RecordConsentHandler } from './record-consent/record-consent.handler';
import { AssessNeedsController } from './assess-needs/assess-needs.controller';
import { AssessNeedsHandler } from './assess-needs/assess-needs.handler';
import { MarkNeedMetController } from './mark-need-met/mark-need-met.controller';
import { MarkNeedMetHandler } from './mark-need-met/mark-need-met.handler';
import { ScheduleFollowUpController } from './schedule-follow-up/schedule-follow-up.controller';
import { ScheduleFollowUpHandler } from './schedule-follow-up/schedule-follow-up.handler';
import { RecordFollowUpOutcomeController } from './record-follow-up-outcome/record-follow-up-outcome.controller';
import { RecordFollowUpOutcomeHandler } from './record-follow-up-outcome/record-follow-up-outcome.handler';
import { RequestTransferController } from './request-transfer/request-transfer.controller';
import { RequestTransferHandler } from './request-transfer/request-transfer.handler';
import { AcceptTransferController } from './accept-transfer/accept-transfer.controller';
import { AcceptTransferHandler } from './accept-transfer/accept-transfer.handler';
import { DeclineTransferController } from './decline-transfer/decline-transfer.controller';
import { DeclineTransferHandler } from './decline-transfer/decline-transfer.handler';
import { CloseCaseController } from './close-case/close-case.controller';
import { CloseCaseHandler } from './close-case/close-case.handler';
import { ReopenCaseController } from './reopen-case/reopen-case.controller';
import { ReopenCaseHandler } from './reopen-case/reopen-case.handler';
import { DecideDuplicateController } from './decide-duplicate/decide-duplicate.controller';
import { DecideDuplicateHandler } from './decide-duplicate/decide-duplicate.handler';
import { BeneficiaryCommands } from './casework/beneficiary-commands';
import { CaseFollowUpsProjection } from './overdue-follow-ups/case-follow-ups.projection';
import { IntakeTopicConsumer } from './intake-topic.consumer';
import { ClosedCasesProjection } from './retention/closed-cases.projection';
import { RetentionDueQuery } from './retention/retention-due.query';
import { retentionPeriodsOf, shortestRetentionDays } from './retention/retention';
import { OverdueFollowUpsQuery } from './overdue-follow-ups/overdue-follow-ups.query';

@Module({
  controllers: [
    RegisterBeneficiaryController,
    GetBeneficiaryController,
    ExportBeneficiaryController,
    RecordProfileController,
    RecordConsentController,
    AssessNeedsController,
    MarkNeedMetController,
    ScheduleFollowUpController,
    RecordFollowUpOutcomeController,
    RequestTransferController,
    AcceptTransferController,
    DeclineTransferController,
    CloseCaseController,
    ReopenCaseController,
    DecideDuplicateController,
    ErasePersonalDataController,
    OverdueFollowUpsQuery,
    IntakeTopicConsumer,
    RetentionDueQuery,
  ],
  providers: [
    ...intakePersonalDataProviders,
    { provide: BeneficiaryCodec, inject: [PersonalDataVault], useFactory: (vault: PersonalDataVault) => new BeneficiaryCodec(vault) },
    RegisterBeneficiaryHandler,
    BeneficiaryCommands,
    AccessLog,
    RecordProfileHandler,
    RecordConsentHandler,
    AssessNeedsHandler,
    MarkNeedMetHandler,
    ScheduleFollowUpHandler,
    RecordFollowUpOutcomeHandler,
    RequestTransferHandler,
    AcceptTransferHandler,
    DeclineTransferHandler,
    CloseCaseHandler,
    ReopenCaseHandler,
    DecideDuplicateHandler,
    ErasePersonalDataHandler,
    { provide: CaseFollowUpsProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => new CaseFollowUpsProjection(store) },
    {
      provide: ClosedCasesProjection,
      inject: [READ_STORE, SERVICE_CONFIG],
      // Built before the consumers start: cases stored before the month counts existed are counted first.
      useFactory: async (store: ReadStore, config: ServiceConfig) => {
        const projection = new ClosedCasesProjection(store, shortestRetentionDays(retentionPeriodsOf(config)));
        const counted = await projection.countExistingCases();
        if (counted > 0) new Logger(projection.name).log(`counted ${counted} closed cases stored before their months were counted`);
        return projection;
      },
    },
    ...duplicateDetectionProviders,
  ],
})
export class IntakeModule {}
