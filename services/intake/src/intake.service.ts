import { ServiceDefinition } from '@oriental/service-kit';
import { intakeStreamPrefixes, toIntakeMessage } from './integration/intake-integration-events';
import { IntakeModule } from './intake.module';
import { CaseFollowUpsProjection } from './overdue-follow-ups/case-follow-ups.projection';
import { ClosedCasesProjection } from './retention/closed-cases.projection';
import { retentionPeriodsOf, shortestRetentionDays } from './retention/retention';

export const intakeService: ServiceDefinition = {
  name: 'intake',
  title: 'Intake',
  description:
    'Registration and casework of beneficiaries (MRE, returnees, RPT) at reception cells: identity (encrypted personal data), profile, consents, needs, follow-ups, transfers between cells, closure. Owns the `beneficiary-<id>` streams and publishes to the intake topic, which it also reads for its overdue follow-ups.',
  module: IntakeModule,
  port: (config) => config.INTAKE_PORT,
  forwarder: { streamPrefixes: intakeStreamPrefixes, toMessage: toIntakeMessage },
  consumerGroup: 'intake',
  readModels: (readStore, config) => [new CaseFollowUpsProjection(readStore), new ClosedCasesProjection(readStore, shortestRetentionDays(retentionPeriodsOf(config)))],
};
