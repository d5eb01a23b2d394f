import { Module } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { PersonalDataVault, personalDataProviders } from '@oriental/personal-data';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { SERVICE_STATUS, ServiceStatus, withUpgradeCounts } from '@oriental/service-kit';
import { ParticipantCodec } from './capacity-building.codec';
import { CellActivityConsumer } from './cell-activity/cell-activity.consumer';
import { CellActivityProjection } from './cell-activity/cell-activity.projection';
import { CellActivityQuery } from './cell-activity/cell-activity.query';
import { CloseSessionController } from './close-session/close-session.controller';
import { CreateProgrammeController } from './create-programme/create-programme.controller';
import { CreateProgrammeHandler } from './create-programme/create-programme.handler';
import { EnrolParticipantController } from './enrol-participant/enrol-participant.controller';
import { EnrolParticipantHandler } from './enrol-participant/enrol-participant.handler';
import { ENROLMENTS_FOLLOWER, EnrolmentsFollower } from './enrolments/enrolments.follower';
import { enrolmentStreamPrefixes } from './enrolments/enrolments.projection';
import { GetParticipantQuery } from './get-participant/get-participant.query';
import { GetProgrammeQuery } from './get-programme/get-programme.query';
import { GetSessionQuery } from './get-session/get-session.query';
import { RecordAttendanceController } from './record-attendance/record-attendance.controller';
import { RecordEvaluationController } from './record-evaluation/record-evaluation.controller';
import { RegisterParticipantController } from './register-participant/register-participant.controller';
import { RegisterParticipantHandler } from './register-participant/register-participant.handler';
import { ScheduleSessionController } from './schedule-session/schedule-session.controller';
import { ScheduleSessionHandler } from './schedule-session/schedule-session.handler';
import { SessionCommands } from './training/session-commands';
import { VerifyCertificateQuery } from './verify-certificate/verify-certificate.query';
import { WithdrawParticipantController } from './withdraw-participant/withdraw-participant.controller';

@Module({
  controllers: [
    CreateProgrammeController,
    GetProgrammeQuery,
    ScheduleSessionController,
    GetSessionQuery,
    RegisterParticipantController,
    GetParticipantQuery,
    EnrolParticipantController,
    WithdrawParticipantController,
    RecordAttendanceController,
    RecordEvaluationController,
    CloseSessionController,
    VerifyCertificateQuery,
    CellActivityQuery,
    CellActivityConsumer,
  ],
  providers: [
    // The master keys, capacity building's own key store (never intake's) and the vault that seals participants' names.
    ...personalDataProviders('capacity-building'),
    { provide: ParticipantCodec, inject: [PersonalDataVault], useFactory: (vault: PersonalDataVault) => new ParticipantCodec(vault) },
    SessionCommands,
    CreateProgrammeHandler,
    ScheduleSessionHandler,
    RegisterParticipantHandler,
    EnrolParticipantHandler,
    {
      provide: EnrolmentsFollower,
      inject: [EVENT_STORE, READ_STORE, SERVICE_STATUS],
      useFactory: (store: EventStore, readStore: ReadStore, status: ServiceStatus) => {
        const follower = new EnrolmentsFollower(store, readStore);
        status.addFollower(ENROLMENTS_FOLLOWER, () => follower.status(), enrolmentStreamPrefixes);
        return follower;
      },
    },
    { provide: CellActivityProjection, inject: [READ_STORE], useFactory: (store: ReadStore) => withUpgradeCounts(new CellActivityProjection(store)) },
  ],
})
export class CapacityBuildingModule {}
