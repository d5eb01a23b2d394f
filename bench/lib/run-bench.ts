/**
 * Runs a bench's `main`, then its `cleanUp` (children, temporary files) however it ends: done,
 * failed, or interrupted by Ctrl-C (a second Ctrl-C exits at once).
 */
export const runBench = (name: string, main: () => Promise<unknown>, cleanUp: () => Promise<void>): void => {
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping\n');
    void cleanUp().finally(() => process.exit(130));
  });
  main()
    .then(cleanUp)
    .then(
      () => process.exit(0),
      async (error: unknown) => {
        process.stderr.write(`${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
        await cleanUp();
        process.exit(1);
      },
    );
};
