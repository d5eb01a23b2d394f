import { logLevel } from 'kafkajs';
import { jsonLogCreator, kafkaBrokersFromEnv, kafkaClientConfig } from './kafka-config';

describe('kafkaBrokersFromEnv', () => {
  it('reads a comma separated list', () => {
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9092 ,' })).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });

  it('fails clearly when the variable is missing', () => {
    expect(() => kafkaBrokersFromEnv({})).toThrow(/KAFKA_BROKERS is not set/);
  });
});

describe('jsonLogCreator', () => {
  const log = (message: string, extra: Record<string, unknown> = {}) => {
    const lines: string[] = [];
    jsonLogCreator((line) => void lines.push(line))()({
      namespace: 'Runner',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: '2025-07-01T10:00:00.000Z', message, logger: 'kafkajs', ...extra },
    });
    return lines.map((line) => JSON.parse(line));
  };

  it('writes one JSON object per entry, with the kafkajs namespace as logger', () => {
    expect(log('Error when calling eachMessage', { topic: 't', offset: '3' })).toEqual([
      { time: '2025-07-01T10:00:00.000Z', level: 'error', logger: 'kafkajs.Runner', message: 'Error when calling eachMessage', topic: 't', offset: '3' },
    ]);
  });

  it('drops the warning about the bounded retries we chose on purpose', () => {
    expect(log('Limiting retries for the idempotent producer may invalidate EoS guarantees')).toEqual([]);
  });
});

describe('kafkaClientConfig', () => {
  const connection = { brokers: ['kafka-1:9093'], clientId: 'intake' };
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('speaks PLAINTEXT when no security is given', () => {
    const config = kafkaClientConfig(connection);
    expect(config).not.toHaveProperty('ssl');
    expect(config).not.toHaveProperty('sasl');
  });

  it('passes SCRAM credentials as kafkajs sasl (SASL_PLAINTEXT)', () => {
    const config = kafkaClientConfig({ ...connection, security: { sasl: { mechanism: 'scram-sha-512', username: 'intake', password: 's3cret' } } });
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'intake', password: 's3cret' });
    expect(config).not.toHaveProperty('ssl');
  });

  it('verifies the brokers\' certificates against the given CA (SSL)', () => {
    const config = kafkaClientConfig({ ...connection, security: { tls: { ca } } });
    expect(config.ssl).toEqual({ rejectUnauthorized: true, ca: [ca] });
    expect(config).not.toHaveProperty('sasl');
  });

  it('verifies against Node\'s trusted CAs when none is given', () => {
    expect(kafkaClientConfig({ ...connection, security: { tls: {} } }).ssl).toEqual({ rejectUnauthorized: true });
  });

  it('combines both (SASL_SSL) and keeps the other settings', () => {
    const config = kafkaClientConfig({
      ...connection,
      security: { sasl: { mechanism: 'scram-sha-256', username: 'referral', password: 'pw' }, tls: { ca } },
    });
    expect(config).toMatchObject({
      clientId: 'intake',
      brokers: ['kafka-1:9093'],
      connectionTimeout: 3_000,
      ssl: { rejectUnauthorized: true, ca: [ca] },
      sasl: { mechanism: 'scram-sha-256', username: 'referral', password: 'pw' },
    });
  });
});
