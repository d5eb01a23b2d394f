export * from './envelope';
export * from './topics';
export * from './integration-event';
export * from './intake.events';
export * from './intake.published-language';
