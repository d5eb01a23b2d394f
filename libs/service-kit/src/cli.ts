import { parseArgs, ParseArgsConfig } from 'node:util';
import { ConfigurationError } from './config';

/** A wrong argument: the command prints why, then its usage, and exits 2. */
export class UsageError extends Error {}

/** node's `parseArgs`, its errors (an unknown flag, a flag without its value: node's message names them) turned into a `UsageError`. */
export const parseCliArgs = <T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> => {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
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
        process.stderr.write(`${prefix}${error.message}\n\n${typeof usage === 'string' ? usage : usage()}`);
        process.exitCode = 2;
        return;
      }
      const failure = error instanceof Error ? (stack ? error.stack : error.message) : String(error);
      process.stderr.write(error instanceof ConfigurationError ? `${prefix}${error.message}\n` : `${name} failed: ${failure}\n`);
      process.exitCode = 1;
    },
  );
};
