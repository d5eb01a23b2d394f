export * from './beneficiary';
export * from './beneficiary.decider';
export * from './beneficiary.stored';
export * from './personal-data';
