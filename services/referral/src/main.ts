import './tracing';
import { runStandalone } from '@oriental/service-kit';
import { referralService } from './referral.service';

void runStandalone(referralService);
