export * from './infra';
export * from './eventually';
export * from './free-port';
export * from './openapi';
export * from './service-process';
export * from './prometheus';
