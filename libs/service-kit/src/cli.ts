import { parseArgs, ParseArgsConfig } from 'node:util';
import { CheckpointStore, EventStore } from '@oriental/event-store';
import { ConfigurationError, ServiceConfig } from './config';
import { openExistingEventStore } from './infrastructure';

/** A wrong argument: the command prints why (nothing for a UsageError without a message), then its usage, and exits 2. */
export class UsageError extends Error {}

/** node's `parseArgs`, its errors (an unknown flag, a flag without its value: node's message names them) turned into a `UsageError`. */
export const parseCliArgs = <T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> => {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
};

/** The arguments of a command that takes `count` plain ones and no flag but -h/--help: 'help' when asked; a UsageError (the usage alone) when they are not that. */
export const plainArguments = (argv: string[], count: number): string[] | 'help' => {
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  if (argv.length !== count || argv.some((arg) => arg.startsWith('-'))) throw new UsageError();
  return argv;
};

/**
 * Runs `use` on the event store the configuration names and closes it after, for a command that
 * reads an existing one: where DATA_DIR holds none, says so and answers 1 (a typo in DATA_DIR
 * would otherwise read an empty store).
 */
export const withExistingEventStore = async (name: string, config: ServiceConfig, use: (store: EventStore & CheckpointStore) => Promise<number>): Promise<number> => {
  const store = await openExistingEventStore(config);
  if ('missing' in store) {
    process.stderr.write(`${name}: no event store at ${store.missing} (set DATA_DIR to the network's data directory)\n`);
    return 1;
  }
  try {
    return await use(store);
  } finally {
    await store.close();
  }
};

export interface CliOptions {
  /** What comes before the message of a wrong argument or a configuration error: `<name>: ` unless said. */
  prefix?: string;
  /** Whether an unexpected failure prints its stack (the default) or its message alone. */
  stack?: boolean;
}

/**
 * Runs a command-line tool's `main` on its arguments and turns its outcome into an exit code:
 * its own, 2 with the usage for a `UsageError`, 1 with a one-line message for a configuration
 * error, 1 with `<name> failed:` and the stack for anything else. `usage` may be a function, for
 * a usage that depends on what `main` loaded.
 */
export const runCli = (name: string, usage: string | (() => string), main: (argv: string[]) => Promise<number>, { prefix = `${name}: `, stack = true }: CliOptions = {}): void => {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        const text = typeof usage === 'string' ? usage : usage();
        process.stderr.write(error.message ? `${prefix}${error.message}\n\n${text}` : text);
        process.exitCode = 2;
        return;
      }
      const failure = error instanceof Error ? (stack ? error.stack : error.message) : String(error);
      process.stderr.write(error instanceof ConfigurationError ? `${prefix}${error.message}\n` : `${name} failed: ${failure}\n`);
      process.exitCode = 1;
    },
  );
};
