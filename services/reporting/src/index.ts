export * from './reporting.service';
