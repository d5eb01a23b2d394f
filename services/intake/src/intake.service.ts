import { ServiceDefinition } from '@oriental/service-kit';
import { intakeStreamPrefixes, toIntakeMessage } from './integration/intake-integration-events';
import { IntakeModule } from './intake.module';

export const intakeService: ServiceDefinition = {
  name: 'intake',
  title: 'Intake',
  description:
    'Registration of beneficiaries (MRE, returnees, RPT) at reception cells: identity (encrypted personal data), category, consent. Owns the `beneficiary-<id>` streams and publishes to the intake topic.',
  module: IntakeModule,
  port: (config) => config.INTAKE_PORT,
  forwarder: { streamPrefixes: intakeStreamPrefixes, toMessage: toIntakeMessage },
};
