/**
 * Integration specs talk to real servers. On a developer machine without a server they skip
 * with a printed reason; when REQUIRE_INFRA names the server (CI: REQUIRE_INFRA=kafka,mongodb)
 * a missing server is a failure, never a skip.
 */
export type InfraName = 'kafka' | 'kafka-scram' | 'mongodb' | 'kurrentdb' | 'keycloak' | 'jaeger';

export const InfraVariables: Record<InfraName, string> = {
  kafka: 'KAFKA_BROKERS',
  /** A SASL_SSL (SCRAM over TLS) listener of the local broker (infra/local/kafka-start.sh, port 9094); CA in KAFKA_SCRAM_CA_FILE. */
  'kafka-scram': 'KAFKA_SCRAM_BROKERS',
  mongodb: 'MONGODB_URI',
  kurrentdb: 'KURRENTDB_URL',
  /** Keycloak's base URL (http://127.0.0.1:8180 from infra/local/keycloak-start.sh), serving the `oriental` realm. */
  keycloak: 'KEYCLOAK_URL',
  /**
   * Jaeger's query API (http://127.0.0.1:16686 from infra/local/jaeger-start.sh); its OTLP/HTTP
   * receiver is JAEGER_OTLP_ENDPOINT (default http://127.0.0.1:4318).
   */
  jaeger: 'JAEGER_URL',
};

export const requiredInfra = (): InfraName[] =>
  (process.env.REQUIRE_INFRA ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name): name is InfraName => name in InfraVariables);

export const infraUrl = (name: InfraName): string | undefined => process.env[InfraVariables[name]] || undefined;

/**
 * `describe` that runs when the server's variable is set (jest's global setup sets it when a
 * local server answers on its default port), fails when the server is required, and
 * otherwise skips saying why.
 */
export const describeWithInfra = (name: InfraName, title: string, body: (url: string) => void): void => {
  const url = infraUrl(name);
  if (url) {
    describe(title, () => body(url));
    return;
  }
  const variable = InfraVariables[name];
  if (requiredInfra().includes(name)) {
    describe(title, () => {
      it(`needs ${name}: REQUIRE_INFRA names it but ${variable} is not set and no local server answered`, () => {
        throw new Error(`${name} is required (REQUIRE_INFRA=${process.env.REQUIRE_INFRA}) but unreachable; start it with infra/local/`);
      });
    });
    return;
  }
  console.warn(`[skip] ${title}: ${variable} is not set and no local ${name} answered (see infra/local/README.md)`);
  describe.skip(title, () => body(''));
};
