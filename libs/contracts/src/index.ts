export * from './envelope';
export * from './topics';
export * from './integration-event';
export * from './intake.events';
export * from './intake.published-language';
export * from './referral.events';
export * from './referral.published-language';
export * from './access-log';
