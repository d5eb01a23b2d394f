// Before any spec runs: when a server's variable is not set but a local server started by
// infra/local/ answers on its default port, point the variable at it. Workers inherit it.
const { createConnection } = require('node:net');

const localDefaults = {
  KAFKA_BROKERS: { url: '127.0.0.1:9092', host: '127.0.0.1', port: 9092 },
  MONGODB_URI: { url: 'mongodb://127.0.0.1:27017', host: '127.0.0.1', port: 27017 },
};

const answers = (host, port) =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

module.exports = async () => {
  for (const [variable, local] of Object.entries(localDefaults)) {
    if (!process.env[variable] && (await answers(local.host, local.port))) process.env[variable] = local.url;
  }
};
