// Before any spec runs: when a server's variable is not set but a local server started by
// infra/local/ answers on its default port, point the variable at it. Workers inherit it.
const { createConnection } = require('node:net');

const localDefaults = {
  KAFKA_BROKERS: { url: '127.0.0.1:9092', host: '127.0.0.1', port: 9092 },
  KAFKA_SCRAM_BROKERS: { url: '127.0.0.1:9094', host: '127.0.0.1', port: 9094 },
  MONGODB_URI: { url: 'mongodb://127.0.0.1:27017', host: '127.0.0.1', port: 27017 },
};

const answers = (host, port) =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

// Keycloak counts as there only when it serves the oriental realm (infra/local/keycloak-start.sh):
// a port that merely opens may be anything else on 8180.
const keycloakDefault = 'http://127.0.0.1:8180';
const servesRealm = async (url) => {
  try {
    const response = await fetch(`${url}/realms/oriental/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && typeof (await response.json()).issuer === 'string';
  } catch {
    return false;
  }
};

// Jaeger counts as there when its query API answers (infra/local/jaeger-start.sh).
const jaegerDefault = 'http://127.0.0.1:16686';
const jaegerAnswers = async (url) => {
  try {
    const response = await fetch(`${url}/api/services`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && Array.isArray((await response.json()).data);
  } catch {
    return false;
  }
};

module.exports = async () => {
  for (const [variable, local] of Object.entries(localDefaults)) {
    if (!process.env[variable] && (await answers(local.host, local.port))) process.env[variable] = local.url;
  }
  if (!process.env.KEYCLOAK_URL && (await answers('127.0.0.1', 8180)) && (await servesRealm(keycloakDefault))) {
    process.env.KEYCLOAK_URL = keycloakDefault;
  }
  if (!process.env.JAEGER_URL && (await answers('127.0.0.1', 16686)) && (await jaegerAnswers(jaegerDefault))) {
    process.env.JAEGER_URL = jaegerDefault;
  }
};
