import './tracing';
import { runStandalone } from '@oriental/service-kit';
import { reportingService } from './reporting.service';

void runStandalone(reportingService);
