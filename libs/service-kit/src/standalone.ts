import { Logger } from '@nestjs/common';
import { ServiceDefinition, startService, stopOnSignals } from './bootstrap';
import { ConfigurationError, loadConfig } from './config';
import { openInfrastructure } from './infrastructure';
import { JsonLogger } from './json-logger';

/** Runs one service as its own process (the distributed mode): config, adapters, signals. */
export const runStandalone = async (definition: ServiceDefinition): Promise<void> => {
  let logger = new JsonLogger(definition.name);
  try {
    const config = loadConfig();
    logger = new JsonLogger(definition.name, config.LOG_LEVEL);
    Logger.overrideLogger(logger);
    const infrastructure = await openInfrastructure(config, definition.name);
    const service = await startService(definition, { config, infrastructure, logger });
    stopOnSignals(() => service.stop(), config.SHUTDOWN_GRACE_MS, logger);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${definition.name}: ${error.message}\n`);
    } else {
      logger.error(error instanceof Error ? error : String(error), 'bootstrap');
    }
    process.exit(1);
  }
};
