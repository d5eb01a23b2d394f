import { userInfo } from 'node:os';
import { KafkaDeadLetterQueue } from '@oriental/messaging';
import { kafkaSecurity, loadConfig, parseCliArgs, runCli, UsageError, withExistingEventStore } from '@oriental/service-kit';
import { HeldEntry, HeldItemsDesk, UnknownHeldItem } from './dlq';

/**
 * `npm run dlq`: what the network set aside, and what an operator does with it
 * (docs/operations.md, "Dead letters and parked events").
 *
 * Exit codes: 0 done; 1 a failure; 2 a wrong argument; 3 no such item, or not held any more.
 */
const USAGE = `usage: npm run dlq -- list [--json]
       npm run dlq -- replay <id>... | --all  [--by <name>] [--wait <seconds>]
       npm run dlq -- discard <id>... | --all [--by <name>] [--wait <seconds>]

  list             every dead letter (a message a consumer group gave up on) and parked event
                   (an event a forwarder could not map), with its state and reason
  replay <id>      hands a dead letter to its consumer group again, or publishes a parked event
                   (and the events of its stream that waited behind it); fix the cause first
  discard <id>     gives it up for good (a parked event's stream then flows on)
  --all            every item still held
  --by <name>      who asks (default operator:<login>), kept with the request
  --wait <s>       how long to wait for the running service to act (default 10; 0: do not wait)
  --json           list as JSON
  -h, --help       this help

Reads the configured event store (DATA_DIR, or EVENT_STORE=kurrentdb and KURRENTDB_URL) and, with
BUS=kafka, the <topic>.dlq topics of KAFKA_BROKERS. Parked events and in-process dead letters are
replayed by the running service within a second of the request.
`;

type Arguments = { command: 'list'; json: boolean } | { command: 'replay' | 'discard'; ids: string[] | 'all'; by: string; waitSeconds: number };

const parseArguments = (argv: string[]): Arguments | 'help' => {
  const { values, positionals } = parseCliArgs({
    args: argv,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' }, by: { type: 'string' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  const [command, ...ids] = positionals;
  if (command === 'list') {
    if (ids.length > 0 || values.all || values.by !== undefined || values.wait !== undefined) throw new UsageError('list takes only --json');
    return { command, json: values.json ?? false };
  }
  if (command === 'replay' || command === 'discard') {
    if (values.json) throw new UsageError('--json goes with list');
    if (values.all && ids.length > 0) throw new UsageError('--all or ids, not both');
    if (!values.all && ids.length === 0) throw new UsageError(`${command} needs ids (from npm run dlq -- list) or --all`);
    const waitSeconds = values.wait === undefined ? 10 : Number(values.wait);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0 || waitSeconds > 600) throw new UsageError(`--wait ${JSON.stringify(values.wait)} must be a number of seconds from 0 to 600`);
    const by = values.by?.trim() || `operator:${userInfo().username}`;
    return { command, ids: values.all ? 'all' : ids, by, waitSeconds };
  }
  throw new UsageError(command === undefined ? 'a command is needed: list, replay or discard' : `unknown command ${JSON.stringify(command)}`);
};

const line = (entry: HeldEntry): string => {
  const where = entry.kind === 'parked' ? `${entry.eventType} ${entry.stream}@${entry.revision} (position ${entry.position})` : `${entry.eventType ?? 'message'} on ${entry.topic} for ${entry.group}`;
  return `${entry.id}  ${entry.kind}  ${entry.state}  ${where}  since ${entry.heldAt}\n    ${entry.reason}\n`;
};

const SETTLED = new Set(['held', 'replayed', 'discarded']);

const main = async (argv: string[]): Promise<number> => {
  const args = parseArguments(argv);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig();
  return withExistingEventStore('dlq', config, async (store) => {
    const kafka =
      config.BUS === 'kafka'
        ? new KafkaDeadLetterQueue({ brokers: config.KAFKA_BROKERS!.split(','), clientId: 'dlq-cli', topicPrefix: config.KAFKA_TOPIC_PREFIX, security: kafkaSecurity(config) })
        : undefined;
    // Loaded only now: the four services' modules take seconds to load, and a wrong argument need not wait for them.
    const { networkServices } = await import('./network');
    const desk = new HeldItemsDesk(store, networkServices, kafka);
    if (args.command === 'list') {
      const entries = await desk.list();
      if (args.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else process.stdout.write(entries.length === 0 ? 'nothing is held\n' : entries.map(line).join(''));
      return 0;
    }
    const ids = args.ids === 'all' ? (await desk.list()).filter(({ state }) => state === 'held').map(({ id }) => id) : args.ids;
    if (ids.length === 0) {
      process.stdout.write('nothing is held\n');
      return 0;
    }
    let code = 0;
    for (const id of ids) {
      try {
        let entry = args.command === 'replay' ? await desk.replay(id, args.by) : await desk.discard(id, args.by);
        // A request the running service acts on: wait a little for its answer.
        for (const deadline = Date.now() + args.waitSeconds * 1000; !SETTLED.has(entry.state) && Date.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          entry = await desk.find(id);
        }
        const pending = SETTLED.has(entry.state) ? '' : ' (the service acts on it when it runs)';
        process.stdout.write(`${id}: ${entry.state}${pending}${entry.state === 'held' ? `: ${entry.reason}` : ''}\n`);
        if (entry.state === 'held') code = Math.max(code, 1);
      } catch (error) {
        if (!(error instanceof UnknownHeldItem) && (error as { code?: string }).code !== 'NOT_HELD' && (error as { code?: string }).code !== 'NOT_FOUND') throw error;
        process.stderr.write(`dlq: ${(error as Error).message}\n`);
        code = 3;
      }
    }
    return code;
  });
};

runCli('dlq', USAGE, main);
