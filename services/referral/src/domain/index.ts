export * from './referral';
export * from './referral.decider';
export * from './partner';
export * from './partner.decider';
export * from './stored-events';
