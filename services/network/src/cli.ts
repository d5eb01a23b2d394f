import { ConfigurationError } from '@oriental/service-kit';

/** A wrong argument: the command prints why, then its usage, and exits 2. */
export class UsageError extends Error {}

/**
 * Runs a command-line tool's `main` and turns its outcome into an exit code: its own, 2 with the
 * usage for a `UsageError`, 1 with a one-line message for a configuration error, 1 with the
 * stack for anything else.
 */
export const runCli = (name: string, usage: string, main: (argv: string[]) => Promise<number>): void => {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${name}: ${error.message}\n\n${usage}`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(error instanceof ConfigurationError ? `${name}: ${error.message}\n` : `${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
};
