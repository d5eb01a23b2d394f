import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { ConfigurationError, loadConfig } from '@oriental/service-kit';
import { networkReadModelNames, rebuildNetworkReadModels, UnknownReadModel } from './network';

/**
 * `npm run rebuild -- <read model>… | --all`: drops read models and replays them from the event
 * store, in one pass over the log, with a progress bar. With the embedded read stores (DATA_DIR),
 * stop the network first (each store file has one owner); against MongoDB (READ_STORE=mongodb)
 * stop the consumers, or they would write into collections being emptied.
 *
 * Exit codes: 0 rebuilt; 1 a failure; 2 a wrong argument (an unknown read model: the names are listed).
 */
const usage = (names: readonly string[]) => `usage: npm run rebuild -- <read model>...
       npm run rebuild -- --all

  <read model>   rebuilds the read models named, leaving the others as they are
  --all          rebuilds every read model of every service
  -h, --help     this help

Read models: ${names.join(', ')}
Rebuilds the stores the environment configures: DATA_DIR (default ./data) with the network stopped,
or READ_STORE=mongodb and MONGODB_URI with the consumers stopped.
`;

class UsageError extends Error {}

const parseArguments = (argv: string[]): { all: true } | { all: false; readModels: string[] } | 'help' => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (values.all) {
    if (positionals.length > 0) throw new UsageError(`--all rebuilds every read model: name none with it (got ${positionals.join(' ')})`);
    return { all: true };
  }
  if (positionals.length === 0) throw new UsageError('name the read models to rebuild, or --all');
  return { all: false, readModels: [...new Set(positionals)] };
};

const main = async () => {
  const config = loadConfig();
  const names = await networkReadModelNames(config);
  let asked;
  try {
    asked = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage(names)}`);
    process.exit(2);
  }
  if (asked === 'help') {
    process.stdout.write(usage(names));
    return;
  }
  const readModels = asked.all ? undefined : asked.readModels;
  const unknown = readModels?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`no read model named ${unknown.join(', ')}\n\n${usage(names)}`);
    process.exit(2);
  }
  const bar = new SingleBar({ format: `rebuilding ${(readModels ?? names).join(', ')} | {value} events replayed | {duration}s` }, Presets.shades_classic);
  bar.start(0, 0);
  const started = Date.now();
  const rebuilt = await rebuildNetworkReadModels(config, { ...(readModels ? { readModels } : {}), onProgress: (done) => bar.update(done) }).finally(() => bar.stop());
  process.stdout.write(`rebuilt ${rebuilt.readModels.join(', ')}: ${rebuilt.events} events replayed in ${Date.now() - started} ms\n`);
};

main().catch((error) => {
  if (error instanceof UnknownReadModel) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(error instanceof ConfigurationError ? `${error.message}\n` : `rebuild failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
