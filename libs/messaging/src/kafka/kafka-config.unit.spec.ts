import { logLevel } from 'kafkajs';
import { jsonLogCreator, kafkaBrokersFromEnv } from './kafka-config';

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
