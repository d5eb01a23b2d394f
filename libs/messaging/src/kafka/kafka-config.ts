import { Admin, KafkaConfig, LogEntry, RetryOptions, SASLOptions, logLevel } from 'kafkajs';

/** The SASL mechanisms the distributed run accepts: SCRAM, whose password never crosses the wire. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How a client proves who it is to the brokers and protects the connection (docs/security.md):
 * SASL/SCRAM credentials, TLS, or both (`SASL_SSL`). Neither: `PLAINTEXT`, for one machine or a
 * private test network only.
 */
export interface KafkaSecurity {
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  /** TLS to every broker, the broker's certificate checked against `ca` (PEM) or else Node's trusted CAs. */
  tls?: { ca?: string };
}

/** Connection settings shared by the producer (`KafkaEventBus`) and the consumer (`CommittingKafkaServer`). */
export interface KafkaConnectionOptions {
  /** `host:port` list; see `kafkaBrokersFromEnv`. */
  brokers: string[];
  clientId: string;
  /** kafkajs log level that reaches the JSON log (default WARN: quiet unless something is wrong). */
  logLevel?: logLevel;
  /** Where JSON log lines go (default: stdout). */
  writeLog?: (line: string) => void;
  /** Client retries (default: 8, from 300 ms up to 10 s apart). */
  retry?: RetryOptions;
  /**
   * Prepended to every topic name on the wire (KAFKA_TOPIC_PREFIX), so environments or test
   * runs can share one cluster. Code keeps using the logical names of `Topics`.
   */
  topicPrefix?: string;
  /** SASL and TLS; none by default. */
  security?: KafkaSecurity;
}

/** Brokers from `KAFKA_BROKERS` (comma separated, e.g. `kafka-1:9092,kafka-2:9092`). */
export const kafkaBrokersFromEnv = (env: Record<string, string | undefined> = process.env): string[] => {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set (e.g. KAFKA_BROKERS=127.0.0.1:9092)');
  return brokers;
};

const levelNames: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Warnings that state a choice made on purpose. The producer's retries are bounded so that a
 * broker outage surfaces as a failed publish (and in the forwarder's status) instead of a publish
 * that never returns; the forwarder then republishes from its checkpoint, which the consumers'
 * de-duplication absorbs, so the "exactly once" kafkajs warns about is not relied upon.
 */
const expectedWarnings = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/** A kafkajs `logCreator` writing one JSON object per line, like the services' own logs. */
export const jsonLogCreator =
  (write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) =>
  () =>
  ({ namespace, level, log }: LogEntry): void => {
    const { message, timestamp, logger: _kafkajs, ...extra } = log;
    if (expectedWarnings.has(message)) return;
    write(JSON.stringify({ time: timestamp, level: levelNames[level] ?? level, logger: `kafkajs.${namespace}`, message, ...extra }));
  };

/**
 * Client settings: bounded timeouts and retries, so a missing broker shows up as an error in
 * seconds (and in health) rather than as a hang; and the security settings, which every client
 * built here (producer, consumer, admin) shares.
 */
export const kafkaClientConfig = (options: KafkaConnectionOptions): KafkaConfig => ({
  clientId: options.clientId,
  brokers: options.brokers,
  connectionTimeout: 3_000,
  requestTimeout: 30_000,
  retry: options.retry ?? { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
  logLevel: options.logLevel ?? logLevel.WARN,
  logCreator: jsonLogCreator(options.writeLog),
  ...kafkaSecurityConfig(options.security),
});

/**
 * kafkajs' `ssl` and `sasl` for the security settings. Certificates are always verified
 * (`rejectUnauthorized`), against the given CA when there is one; kafkajs names each broker as
 * the TLS server name, so its certificate must carry the host name of `KAFKA_BROKERS`.
 */
export const kafkaSecurityConfig = (security: KafkaSecurity = {}): Pick<KafkaConfig, 'ssl' | 'sasl'> => ({
  ...(security.tls ? { ssl: { rejectUnauthorized: true, ...(security.tls.ca ? { ca: [security.tls.ca] } : {}) } } : {}),
  ...(security.sasl ? { sasl: { ...security.sasl } as SASLOptions } : {}),
});

export interface TopicSettings {
  /** Partitions of a new topic (default 3): keys spread over them, order holds per key. */
  numPartitions?: number;
  /** Replicas of a new topic (default: the broker's `default.replication.factor`). */
  replicationFactor?: number;
}

/**
 * Creates the topics that do not exist yet, and waits for their leaders, so a consumer can
 * subscribe before the first publish. Topics that exist are left as they are; a concurrent
 * creation by another process is not an error.
 */
export const ensureTopics = async (admin: Admin, topics: readonly string[], settings: TopicSettings = {}): Promise<void> => {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.numPartitions ?? 3,
        replicationFactor: settings.replicationFactor ?? -1,
      })),
    });
  } catch (error) {
    if (!allAlreadyExist(error)) throw error;
  }
};

const allAlreadyExist = (error: unknown): boolean => {
  const errors = (error as { errors?: { type?: string }[] }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((inner) => inner.type === 'TOPIC_ALREADY_EXISTS');
};
