import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { INestMicroservice } from '@nestjs/common';
import { describeWithInfra, eventually } from '@oriental/testing';
import { Received, aMessage, startConsumer, unique } from '../testing/messaging.contract';
import { kafkaMicroserviceOptions } from './committing-kafka-server';
import { KafkaConnectionOptions, KafkaSecurity } from './kafka-config';
import { KafkaEventBus } from './kafka-event-bus';

jest.setTimeout(90_000);

/**
 * The distributed run's Kafka security against a real broker: the SASL_SSL listener that
 * infra/local/kafka-start.sh opens beside PLAINTEXT, with its TEST-ONLY SCRAM user and a
 * certificate signed by a CA it made (docs/security.md).
 */
describeWithInfra('kafka-scram', 'Kafka over SASL/SCRAM and TLS', (url) => {
  const brokers = url.split(',').map((broker) => broker.trim());
  const caFile = process.env.KAFKA_SCRAM_CA_FILE ?? join(process.env.INFRA_HOME ?? join(homedir(), '.cache', 'oriental-infra'), 'kafka', 'config', 'tls', 'ca.pem');
  const ca = readFileSync(caFile, 'utf8');
  const user = { username: process.env.KAFKA_SCRAM_USERNAME ?? 'oriental-test', password: process.env.KAFKA_SCRAM_PASSWORD ?? 'test-only-scram-password' };
  const writeLog = process.env.KAFKA_TEST_LOGS ? (line: string) => void process.stderr.write(`${line}\n`) : () => undefined;
  const connection = (clientId: string, security: KafkaSecurity): KafkaConnectionOptions => ({ brokers, clientId, writeLog, security });
  const buses: KafkaEventBus[] = [];
  const consumers: INestMicroservice[] = [];
  /** `refused`: a refused handshake is final, so fail in a second instead of retrying for a minute. */
  const busWith = (security: KafkaSecurity, { refused = false } = {}) => {
    const bus = new KafkaEventBus({ ...connection('test-secure-producer', security), ...(refused ? { retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } } : {}) });
    buses.push(bus);
    return bus;
  };

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((app) => app.close()));
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  it.each(['scram-sha-256', 'scram-sha-512'] as const)('publishes and consumes with %s over TLS (producer, admin and committing consumer)', async (mechanism) => {
    const security: KafkaSecurity = { sasl: { mechanism, ...user }, tls: { ca } };
    const topic = unique(`secure-${mechanism}`);
    const bus = busWith(security);
    await bus.connect();
    await bus.publish([aMessage(topic, 'k', 1), aMessage(topic, 'k', 2)]);

    const received: Received[] = [];
    consumers.push(
      await startConsumer(kafkaMicroserviceOptions({ ...connection('test-secure-consumer', security), groupId: unique('secure-group'), sessionTimeoutMs: 10_000 }), [topic], (message) => {
        received.push(message);
      }),
    );
    await eventually(() => expect(received.map(({ payload }) => payload.n)).toEqual([1, 2]), { timeoutMs: 45_000 });
  });

  it('refuses a wrong password', async () => {
    await expect(busWith({ sasl: { mechanism: 'scram-sha-512', username: user.username, password: 'not-the-password' }, tls: { ca } }, { refused: true }).connect()).rejects.toThrow(
      /SASL SCRAM SHA512 authentication failed/,
    );
  });

  it('refuses a broker whose certificate the client does not trust', async () => {
    // Without the CA, only Node's public CAs are trusted: the test CA's certificate is not.
    await expect(busWith({ sasl: { mechanism: 'scram-sha-512', ...user }, tls: {} }, { refused: true }).connect()).rejects.toThrow(/certificate/);
  });

  it('refuses a client without SASL on the SASL_SSL listener', async () => {
    await expect(busWith({ tls: { ca } }, { refused: true }).connect()).rejects.toThrow();
  });
});
