import { Presets, SingleBar } from 'cli-progress';
import { loadConfig, parseCliArgs, runCli, UsageError } from '@oriental/service-kit';
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

const parseArguments = (argv: string[]): { all: true } | { all: false; readModels: string[] } | 'help' => {
  const { values, positionals } = parseCliArgs({ args: argv, options: { all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) return 'help';
  if (values.all) {
    if (positionals.length > 0) throw new UsageError(`--all rebuilds every read model: name none with it (got ${positionals.join(' ')})`);
    return { all: true };
  }
  if (positionals.length === 0) throw new UsageError('name the read models to rebuild, or --all');
  return { all: false, readModels: [...new Set(positionals)] };
};

/** The read model names, once main has loaded them: the usage lists them. */
let readModelNames: readonly string[] = [];

const main = async (argv: string[]): Promise<number> => {
  const config = loadConfig();
  const names = await networkReadModelNames(config);
  readModelNames = names;
  const asked = parseArguments(argv);
  if (asked === 'help') {
    process.stdout.write(usage(names));
    return 0;
  }
  const readModels = asked.all ? undefined : asked.readModels;
  const unknown = readModels?.filter((name) => !names.includes(name)) ?? [];
  if (unknown.length > 0) throw new UsageError(`no read model named ${unknown.join(', ')}`);
  const bar = new SingleBar({ format: `rebuilding ${(readModels ?? names).join(', ')} | {value} events replayed | {duration}s` }, Presets.shades_classic);
  bar.start(0, 0);
  const started = Date.now();
  let rebuilt;
  try {
    rebuilt = await rebuildNetworkReadModels(config, { ...(readModels ? { readModels } : {}), onProgress: (done) => bar.update(done) }).finally(() => bar.stop());
  } catch (error) {
    if (!(error instanceof UnknownReadModel)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  process.stdout.write(`rebuilt ${rebuilt.readModels.join(', ')}: ${rebuilt.events} events replayed in ${Date.now() - started} ms\n`);
  return 0;
};

runCli('rebuild', () => usage(readModelNames), main, { prefix: '' });
