import './tracing';
import { ConfigurationError, JsonLogger, loadConfig, stopOnSignals } from '@oriental/service-kit';
import { startNetwork } from './network';

/** `npm start`: the whole network on one machine, no servers needed. */
const main = async () => {
  const config = loadConfig();
  const logger = new JsonLogger('network', config.LOG_LEVEL);
  const network = await startNetwork(config);
  logger.log({ msg: 'network up', urls: network.urls, dataDir: config.dataDir }, 'network');
  process.stderr.write(
    `\nOriental reception-cell network is running (data in ${config.dataDir}):\n` +
      Object.entries(network.urls)
        .map(([name, url]) => `  ${name.padEnd(18)} ${url}   docs: ${url}/docs   health: ${url}/health`)
        .join('\n') +
      (config.AUTH_MODE === 'embedded'
        ? '\n\nEvery call but /health needs a bearer token of the embedded issuer, e.g.\n' +
          '  TOKEN=$(npm run -s token -- --role cell_agent --cell oujda)\n' +
          '  curl -H "Authorization: Bearer $TOKEN" -H "X-Purpose: casework" ' + `${network.urls.intake}/beneficiaries/<id>\n\n`
        : `\n\nEvery call but /health needs a bearer token of ${config.OIDC_ISSUER}\n\n`),
  );
  stopOnSignals(() => network.stop(), config.SHUTDOWN_GRACE_MS, logger);
};

main().catch((error) => {
  process.stderr.write(error instanceof ConfigurationError ? `${error.message}\n` : `network failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
