import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '@oriental/messaging';
import { ConfigurationError, ServiceConfig } from './config';

type KafkaSecurityConfig = Pick<
  ServiceConfig,
  'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD' | 'KAFKA_SASL_PASSWORD_FILE' | 'KAFKA_TLS' | 'KAFKA_TLS_CA_FILE'
>;

/**
 * The Kafka security settings of a validated configuration, with the files it names read now,
 * at boot: an unreadable or empty password or CA file stops the service naming the variable,
 * rather than surfacing later as a failed SASL handshake.
 */
export const kafkaSecurity = (config: KafkaSecurityConfig, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): KafkaSecurity => {
  const problems: string[] = [];
  const file = (variable: string, path: string): string => {
    try {
      const text = read(path);
      if (text.trim() === '') problems.push(`${variable} names an empty file (${path})`);
      return text;
    } catch (error) {
      problems.push(`${variable} names a file that cannot be read (${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return '';
    }
  };
  const security: KafkaSecurity = {};
  if (config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME) {
    // A secret file usually ends with a newline that is not part of the password.
    const password = config.KAFKA_SASL_PASSWORD_FILE
      ? file('KAFKA_SASL_PASSWORD_FILE', config.KAFKA_SASL_PASSWORD_FILE).replace(/\r?\n$/, '')
      : (config.KAFKA_SASL_PASSWORD ?? '');
    security.sasl = { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password };
  }
  if (config.KAFKA_TLS) {
    security.tls = config.KAFKA_TLS_CA_FILE ? { ca: file('KAFKA_TLS_CA_FILE', config.KAFKA_TLS_CA_FILE) } : {};
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return security;
};
