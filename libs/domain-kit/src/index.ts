export * from './decider';
export * from './given-when-then';
