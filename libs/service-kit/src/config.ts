import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';

/**
 * Every variable a service reads, validated once at boot: a wrong or missing value stops the
 * process with a message naming the variable, instead of failing later on first use.
 */
const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/** A browser origin as sent in `Origin`: scheme, host and optional port; no path, no wildcard. */
const origin = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const schema = z
  .object({
    DATA_DIR: z.string().min(1).default('./data'),
    EVENT_STORE: z.enum(['sqlite', 'kurrentdb']).default('sqlite'),
    KURRENTDB_URL: z.string().startsWith('kurrentdb', 'must be a kurrentdb:// or kurrentdb+discover:// connection string').optional(),
    BUS: z.enum(['memory', 'kafka']).default('memory'),
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'must be host:port[,host:port...]')
      .optional(),
    /** Namespace for topic names, so environments (or test runs) can share one cluster. */
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{0,100}$/, 'may hold only letters, digits, ".", "_" and "-"')
      .default(''),
    /**
     * Kafka security for the distributed run (docs/security.md). SASL/SCRAM: a mechanism, a user
     * name, and the password in KAFKA_SASL_PASSWORD or, better, in the file KAFKA_SASL_PASSWORD_FILE
     * names (a container secret; read at boot, trailing newline dropped).
     */
    KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters').optional(),
    KAFKA_SASL_PASSWORD: z.string().max(1024).optional(),
    KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
    /** TLS to every broker, certificates verified against KAFKA_TLS_CA_FILE (PEM) or Node's trusted CAs. */
    KAFKA_TLS: z.stringbool().default(false),
    KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
    READ_STORE: z.enum(['memory', 'mongodb']).default('memory'),
    MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb://').optional(),
    MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).default('oriental'),
    /**
     * Where the per-person keys are kept (ADR 0012, 0014), one store per service that keeps
     * personal data: `sqlite`, a file of its own (`<DATA_DIR>/keys.sqlite` for intake,
     * `<DATA_DIR>/capacity-building-keys.sqlite`), or `mongodb` (MONGODB_URI), a database of its
     * own, KEY_STORE_MONGODB_DB (default `<MONGODB_DB>-keys`) for intake and the same suffixed
     * `-capacity-building`. Never a read store: nothing rebuilds it.
     */
    KEY_STORE: z.enum(['sqlite', 'mongodb']).default('sqlite'),
    KEY_STORE_MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).optional(),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    REFERENCE_DATA_DIR: z.string().min(1).optional(),
    PERSONAL_DATA_MASTER_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
    /**
     * Where the embedded run keeps the generated master key when PERSONAL_DATA_MASTER_KEY is not
     * set: outside DATA_DIR, so that a copy of the data alone cannot open personal data. Default
     * `<DATA_DIR>.master.key`, beside the directory rather than in it (ADR 0010).
     */
    MASTER_KEY_FILE: z.string().min(1).optional(),
    /**
     * Master keys being rotated out, base64, comma-separated: keys they wrapped still open until
     * `npm run rotate-master-key` has rewrapped them with PERSONAL_DATA_MASTER_KEY (ADR 0012).
     */
    PERSONAL_DATA_PREVIOUS_MASTER_KEYS: z
      .string()
      .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
      .pipe(z.array(z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32-byte keys, base64-encoded, comma-separated')))
      .default([]),
    INTAKE_PORT: port(3001),
    REFERRAL_PORT: port(3002),
    CAPACITY_BUILDING_PORT: port(3003),
    REPORTING_PORT: port(3004),
    /**
     * The address services listen on: loopback unless said otherwise, so that a service started
     * on a laptop is not open to the network it sits on. The containers set 0.0.0.0.
     */
    HOST: z.string().min(1).default('127.0.0.1'),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(60_000).default(8_000),
    /** The browser origins allowed to call the API across origins; none by default. */
    CORS_ORIGINS: z
      .string()
      .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
      .pipe(z.array(z.string().regex(origin, 'must be origins like https://app.example.org[:port], comma-separated (no path, no *)')))
      .default([]),
    /**
     * Who signs the bearer tokens every endpoint but /health requires (ADR 0013). `embedded`: the
     * built-in issuer, its key generated under DATA_DIR (`npm run token` prints tokens); `oidc`:
     * any OpenID Connect provider (Keycloak is the reference), verified against its JWKS.
     */
    AUTH_MODE: z.enum(['embedded', 'oidc']).default('embedded'),
    /** The provider's issuer URL, exactly as in its tokens' `iss` (e.g. http://keycloak:8080/realms/oriental). */
    OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    /** The audience tokens must carry (`aud`), for the embedded issuer too. */
    OIDC_AUDIENCE: z.string().regex(/^[\x21-\x7e]{1,200}$/).default('oriental-api'),
    /** Seconds of clock difference tolerated on `exp` and `nbf`. */
    OIDC_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    /** Requests per minute and client before 429 RATE_LIMITED; 0 turns the limit off (benchmarks). */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(600),
    /**
     * How long a closed case's data is kept for each purpose it was collected for (law 09-08:
     * limited retention), in days after closure; past it the case is listed for review
     * (`GET /retention/due`). Defaults: services 5 years, sharing with partners 2, statistics 10.
     */
    RETENTION_DAYS_SERVICES: z.coerce.number().int().min(1).max(36_500).default(1825),
    RETENTION_DAYS_SHARING: z.coerce.number().int().min(1).max(36_500).default(730),
    RETENTION_DAYS_STATISTICS: z.coerce.number().int().min(1).max(36_500).default(3650),
    /**
     * Seconds between the comments the hub's feed (`GET /hub/feed`) writes on a quiet stream, so
     * that proxies and load balancers do not close it as idle (most wait 30 to 60 s).
     */
    HUB_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  })
  ;

/** Variables a choice requires; checked even when other variables are wrong, so all problems show at once. */
const requirements: { when: (env: Record<string, string>) => boolean; variable: string; because: string }[] = [
  { when: (env) => env.EVENT_STORE === 'kurrentdb', variable: 'KURRENTDB_URL', because: 'EVENT_STORE=kurrentdb' },
  { when: (env) => env.BUS === 'kafka', variable: 'KAFKA_BROKERS', because: 'BUS=kafka' },
  { when: (env) => env.READ_STORE === 'mongodb', variable: 'MONGODB_URI', because: 'READ_STORE=mongodb' },
  { when: (env) => env.KEY_STORE === 'mongodb', variable: 'MONGODB_URI', because: 'KEY_STORE=mongodb' },
  { when: (env) => env.AUTH_MODE === 'oidc', variable: 'OIDC_ISSUER', because: 'AUTH_MODE=oidc' },
];

/** Kafka security settings that only make sense together: a half-configured SASL or TLS is refused, not ignored. */
const kafkaSecurityProblems = (env: Record<string, string | undefined>): string[] => {
  const credentials = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'].filter((name) => env[name]);
  const problems: string[] = [];
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME) problems.push('KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set');
    if (!env.KAFKA_SASL_PASSWORD && !env.KAFKA_SASL_PASSWORD_FILE) problems.push('KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE is required when KAFKA_SASL_MECHANISM is set');
    if (env.KAFKA_SASL_PASSWORD && env.KAFKA_SASL_PASSWORD_FILE) problems.push('set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
  } else if (credentials.length > 0) {
    problems.push(`KAFKA_SASL_MECHANISM (scram-sha-256 or scram-sha-512) is required when ${credentials.join(', ')} is set`);
  }
  if (env.KAFKA_TLS_CA_FILE && !/^(true|1|yes|on|y|enabled)$/i.test(env.KAFKA_TLS ?? '')) problems.push('KAFKA_TLS_CA_FILE is set but KAFKA_TLS is not true');
  return problems;
};

/** `dataDir` and `masterKeyFile`: DATA_DIR and MASTER_KEY_FILE (or its default) made absolute. */
export type ServiceConfig = z.infer<typeof schema> & { dataDir: string; masterKeyFile: string };

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ServiceConfig => {
  // Empty strings mean "not set", as in docker-compose files that pass `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'} ${issue.message}`)),
    ...requirements
      .filter(({ when, variable }) => when(present as Record<string, string>) && !present[variable])
      .map(({ variable, because }) => `${variable} is required when ${because}`),
    ...kafkaSecurityProblems(present),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigurationError(problems);
  const dataDir = absolute(parsed.data.DATA_DIR);
  const masterKeyFile = parsed.data.MASTER_KEY_FILE ? absolute(parsed.data.MASTER_KEY_FILE) : `${dataDir}.master.key`;
  if (isInside(dataDir, masterKeyFile)) {
    throw new ConfigurationError([`MASTER_KEY_FILE must be outside DATA_DIR (${dataDir}): a copy of the data would carry its key`]);
  }
  return { ...parsed.data, dataDir, masterKeyFile };
};

const absolute = (path: string): string => (isAbsolute(path) ? resolve(path) : resolve(process.cwd(), path));

const isInside = (dir: string, path: string): boolean => {
  const fromDir = relative(dir, path);
  return fromDir === '' || (fromDir !== '..' && !fromDir.startsWith(`..${sep}`) && !isAbsolute(fromDir));
};

export const dataFile = (config: ServiceConfig, name: string): string => join(config.dataDir, name);

/** The host of a URL that reaches a service listening on `host`: a wildcard is reached on loopback. */
export const urlHost = (host: string): string => {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
};
