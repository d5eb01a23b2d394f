import './tracing';
import { runStandalone } from '@oriental/service-kit';
import { intakeService } from './intake.service';

void runStandalone(intakeService);
