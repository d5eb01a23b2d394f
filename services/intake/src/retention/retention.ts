import type { ServiceConfig } from '@oriental/service-kit';

/** The purposes personal data is collected for (the consent's purposes), each with its retention period. */
export const RETENTION_PURPOSES = ['services', 'sharing', 'statistics'] as const;
export type RetentionPurpose = (typeof RETENTION_PURPOSES)[number];

export type RetentionPeriods = Record<RetentionPurpose, number>;

export const retentionPeriodsOf = (config: ServiceConfig): RetentionPeriods => ({
  services: config.RETENTION_DAYS_SERVICES,
  sharing: config.RETENTION_DAYS_SHARING,
  statistics: config.RETENTION_DAYS_STATISTICS,
});

export const shortestRetentionDays = (periods: RetentionPeriods): number => Math.min(...Object.values(periods));
