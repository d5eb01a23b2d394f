export * from './referral.service';
