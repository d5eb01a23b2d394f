export * from './authentication.guard';
export * from './embedded-issuer';
export * from './policy';
export * from './principal';
export * from './purpose';
export * from './token-verifier';
