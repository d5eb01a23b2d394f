export * from './beneficiary';
export * from './beneficiary.decider';
