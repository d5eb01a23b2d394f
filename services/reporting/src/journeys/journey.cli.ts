import { loadConfig, NotFound, parseCliArgs, runCli, UsageError, withExistingEventStore } from '@oriental/service-kit';
import { AS_OF_FORMAT, caseStateAt, happenedBy, journeyEntries, parseAsOf, readJourneyEvents } from './journey';
import { Format, formatJourney, Formats, JourneyReport } from './journey.format';

/**
 * `npm run journey -- <beneficiaryId> [--as-of <ISO 8601>] [--format text|json|csv]`: an
 * auditor's replay of one beneficiary's journey, read from the event store the environment
 * configures (DATA_DIR, or EVENT_STORE=kurrentdb with KURRENTDB_URL), as `GET /journeys/{id}`
 * answers it. With --as-of, the journey up to that instant and the case as it then stood
 * (`GET /journeys/{id}/state`). It reads only: run it beside a running network.
 *
 * Exit codes: 0 printed; 2 a wrong argument; 3 no such journey (or not started at --as-of);
 * 1 anything else (configuration, store).
 */
const USAGE = `usage: npm run journey -- <beneficiaryId> [--as-of <ISO 8601 instant>] [--format text|json|csv]

  <beneficiaryId>   the beneficiary's id (a UUID)
  --as-of <instant> also the case as it stood then, e.g. 2026-07-15T09:30:00Z (the journey stops there)
  --format <format> text (a table, the default), json (as the HTTP API answers) or csv
  -h, --help        this help

Reads the event store the environment configures: DATA_DIR (default ./data), or EVENT_STORE=kurrentdb and KURRENTDB_URL.
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Arguments {
  beneficiaryId: string;
  asOf?: Date;
  format: Format;
}

const parseArguments = (argv: string[]): Arguments | 'help' => {
  const { values, positionals } = parseCliArgs({
    args: argv,
    options: { 'as-of': { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'the beneficiary id is missing' : `one beneficiary id expected, got ${positionals.join(' ')}`);
  const [beneficiaryId] = positionals as [string];
  if (!UUID.test(beneficiaryId)) throw new UsageError(`beneficiary id ${JSON.stringify(beneficiaryId)} must be a UUID`);
  const format = values.format ?? 'text';
  if (!(Formats as readonly string[]).includes(format)) throw new UsageError(`--format ${JSON.stringify(format)} must be one of: ${Formats.join(', ')}`);
  let asOf: Date | undefined;
  if (values['as-of'] !== undefined) {
    asOf = parseAsOf(values['as-of']);
    if (!asOf) throw new UsageError(`--as-of ${JSON.stringify(values['as-of'])} ${AS_OF_FORMAT}`);
  }
  return { beneficiaryId, format: format as Format, ...(asOf ? { asOf } : {}) };
};

const main = async (argv: string[]): Promise<number> => {
  const args = parseArguments(argv);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return withExistingEventStore('journey', loadConfig(), async (store) => {
    try {
      const events = await readJourneyEvents(store, args.beneficiaryId);
      const report: JourneyReport = args.asOf
        ? { state: caseStateAt(args.beneficiaryId, events, args.asOf), journey: { beneficiaryId: args.beneficiaryId, events: journeyEntries(happenedBy(events, args.asOf)) } }
        : { journey: { beneficiaryId: args.beneficiaryId, events: journeyEntries(events) } };
      process.stdout.write(formatJourney(report, args.format));
      return 0;
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      process.stderr.write(`journey: ${error.message} (${error.code})\n`);
      return 3;
    }
  });
};

runCli('journey', USAGE, main);
