import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfig } from './config';
import { kafkaSecurity } from './kafka-security';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

describe('Kafka security configuration', () => {
  describe('when nothing is set', () => {
    it('speaks PLAINTEXT', () => {
      expect(kafkaSecurity(loadConfig({}))).toEqual({});
    });
  });

  describe('when a SASL mechanism is set', () => {
    it('takes the user name and password', () => {
      const config = loadConfig({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD: 'pw' });
      expect(kafkaSecurity(config)).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'intake', password: 'pw' } });
    });

    it('refuses a mechanism without user name or password', () => {
      expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
        'KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set',
        'KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required when KAFKA_SASL_MECHANISM is set',
      ]);
    });

    it('refuses a password given twice', () => {
      expect(
        problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'pw', KAFKA_SASL_PASSWORD_FILE: '/run/secrets/kafka' }),
      ).toEqual(['set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both']);
    });

    it('refuses a mechanism kafkajs would not be asked for (PLAIN sends the password itself)', () => {
      expect(problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'pw' }).join('\n')).toMatch(/KAFKA_SASL_MECHANISM/);
    });
  });

  describe('when credentials come without a mechanism', () => {
    it('refuses them rather than connecting without them', () => {
      expect(problemsOf({ KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD: 'pw' })).toEqual([
        'KAFKA_SASL_MECHANISM (scram-sha-256 or scram-sha-512) is required when KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD is set',
      ]);
    });
  });

  describe('with files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kafka-security-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the password file without its trailing newline, and the CA file', () => {
      writeFileSync(join(dir, 'password'), 'from-a-secret\n');
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const config = loadConfig({
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'referral',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'password'),
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: join(dir, 'ca.pem'),
      });
      expect(kafkaSecurity(config)).toEqual({
        sasl: { mechanism: 'scram-sha-256', username: 'referral', password: 'from-a-secret' },
        tls: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
      });
    });

    it('names the variable of a missing or empty file', () => {
      writeFileSync(join(dir, 'empty'), '\n');
      const config = loadConfig({
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'referral',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'empty'),
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: join(dir, 'missing.pem'),
      });
      expect(() => kafkaSecurity(config)).toThrow(ConfigurationError);
      expect(() => kafkaSecurity(config)).toThrow(/KAFKA_SASL_PASSWORD_FILE names an empty file[\s\S]*KAFKA_TLS_CA_FILE names a file that cannot be read \(.*ENOENT\)/);
    });
  });

  describe('TLS', () => {
    it('verifies against Node\'s trusted CAs when no CA file is given', () => {
      expect(kafkaSecurity(loadConfig({ KAFKA_TLS: 'true' }))).toEqual({ tls: {} });
    });

    it('refuses a CA file while TLS is off', () => {
      expect(problemsOf({ KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem' })).toEqual(['KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true']);
      expect(problemsOf({ KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem' })).toEqual(['KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true']);
    });

    it('refuses a KAFKA_TLS that is not a boolean', () => {
      expect(problemsOf({ KAFKA_TLS: 'maybe' }).join('\n')).toMatch(/KAFKA_TLS/);
    });
  });
});
