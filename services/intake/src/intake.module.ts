import { Module } from '@nestjs/common';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { SERVICE_CONFIG, ServiceConfig } from '@oriental/service-kit';
import { BeneficiaryCodec } from './beneficiary.codec';
import { duplicateDetectionProviders } from './duplicates/duplicates.providers';
import { GetBeneficiaryController } from './get-beneficiary/get-beneficiary.controller';
import { loadMasterKey } from './personal-data/master-key';
import { PersonalDataVault } from './personal-data/personal-data-vault';
import { RegisterBeneficiaryController } from './register-beneficiary/register-beneficiary.controller';
import { RegisterBeneficiaryHandler } from './register-beneficiary/register-beneficiary.handler';

@Module({
  controllers: [RegisterBeneficiaryController, GetBeneficiaryController],
  providers: [
    {
      provide: PersonalDataVault,
      inject: [READ_STORE, SERVICE_CONFIG],
      useFactory: (readStore: ReadStore, config: ServiceConfig) => new PersonalDataVault(readStore, loadMasterKey(config)),
    },
    { provide: BeneficiaryCodec, inject: [PersonalDataVault], useFactory: (vault: PersonalDataVault) => new BeneficiaryCodec(vault) },
    RegisterBeneficiaryHandler,
    ...duplicateDetectionProviders,
  ],
})
export class IntakeModule {}
