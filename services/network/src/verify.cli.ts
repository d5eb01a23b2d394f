import { Presets, SingleBar } from 'cli-progress';
import { BrokenLink, BrokenLinkReason, chainedLogOf, formatAnchor, LogAnchor, parseAnchor, verifyJourney, verifyLog } from '@oriental/event-store';
import { loadConfig, parseCliArgs, runCli, UsageError, withExistingEventStore } from '@oriental/service-kit';

/**
 * `npm run verify`: tamper evidence for auditors and operators (docs/adr/0011-hash-chained-streams.md).
 * Checks the hash chains of the event store the environment configures, one journey's streams
 * or the whole log, and names the first broken link. It reads only: run it beside a running
 * network.
 *
 * Exit codes: 0 intact; 1 broken (or the log no longer matches --anchor), or a failure;
 * 2 a wrong argument; 3 no such journey.
 */
const USAGE = `usage: npm run verify -- <beneficiaryId>
       npm run verify -- --all [--anchor <events>:<digest>]

  <beneficiaryId>     verifies every stream of that beneficiary's journey
  --all               verifies every stream of the log, with a progress bar, and prints the
                      log's anchor: keep that line outside the system (a ticket, a signed mail)
  --anchor <anchor>   with --all: the log's first <events> events must still digest to an anchor
                      printed earlier (detects a rewritten last event and its hash, a cut stream)
  -h, --help          this help

Reads the event store the environment configures: DATA_DIR (default ./data), or EVENT_STORE=kurrentdb and KURRENTDB_URL.
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Arguments = { all: true; anchor?: LogAnchor } | { all: false; beneficiaryId: string };

const parseArguments = (argv: string[]): Arguments | 'help' => {
  const { values, positionals } = parseCliArgs({
    args: argv,
    options: { all: { type: 'boolean' }, anchor: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (values.all) {
    if (positionals.length > 0) throw new UsageError(`--all verifies every journey: no beneficiary id with it (got ${positionals.join(' ')})`);
    if (values.anchor === undefined) return { all: true };
    const anchor = parseAnchor(values.anchor);
    if (!anchor) throw new UsageError(`--anchor ${JSON.stringify(values.anchor)} must be <events>:<64 hex digits>, as --all printed it`);
    return { all: true, anchor };
  }
  if (values.anchor !== undefined) throw new UsageError('--anchor goes with --all');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a beneficiary id or --all is needed' : `one beneficiary id expected, got ${positionals.join(' ')}`);
  const [beneficiaryId] = positionals as [string];
  if (!UUID.test(beneficiaryId)) throw new UsageError(`beneficiary id ${JSON.stringify(beneficiaryId)} must be a UUID`);
  return { all: false, beneficiaryId };
};

const WHAT_BROKE: Record<BrokenLinkReason, string> = {
  'hash-mismatch': 'the event was changed: its stored bytes no longer give its hash',
  'previous-hash-mismatch': 'the link to the event before it does not hold: an event before it was removed, inserted, or rewritten with its hash',
  'missing-hash': 'the event carries no hash chain',
};

const brokenLine = ({ stream, revision, reason }: BrokenLink): string => `broken: stream ${stream} revision ${revision}: ${reason} (${WHAT_BROKE[reason]})\n`;

const main = async (argv: string[]): Promise<number> => {
  const args = parseArguments(argv);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return withExistingEventStore('verify', loadConfig(), async (store) => {
    const log = chainedLogOf(store);
    if (!args.all) {
      const verdict = await verifyJourney(log, args.beneficiaryId);
      if (!verdict) {
        process.stderr.write(`verify: no event names beneficiary ${args.beneficiaryId} (JOURNEY_NOT_FOUND)\n`);
        return 3;
      }
      const lines = verdict.streams.map(({ stream, events, intact }) => `  ${stream}: ${events} events, ${intact ? 'intact' : 'BROKEN'}\n`);
      process.stdout.write(`journey of ${args.beneficiaryId}: ${verdict.intact ? 'intact' : 'broken'}, ${verdict.streams.length} streams\n${lines.join('')}`);
      if (verdict.firstBrokenLink) process.stdout.write(brokenLine(verdict.firstBrokenLink));
      return verdict.intact ? 0 : 1;
    }

    const bar = new SingleBar({ format: 'verifying the log | {value} events | {duration}s' }, Presets.shades_classic);
    bar.start(0, 0);
    const verdict = await verifyLog(log, { onProgress: (events) => bar.update(events), ...(args.anchor ? { anchor: args.anchor } : {}) });
    bar.stop();
    if (verdict.firstBrokenLink) {
      process.stdout.write(`log: ${verdict.events} events verified before the first broken link\n${brokenLine(verdict.firstBrokenLink)}`);
      return 1;
    }
    process.stdout.write(`log intact: ${verdict.events} events in ${verdict.streams} streams\n`);
    if (args.anchor) {
      const { events, digest } = args.anchor;
      process.stdout.write(
        verdict.anchorMatched
          ? `anchor ${events}:${digest.slice(0, 12)}… holds\n`
          : `broken: the log's first ${events} events no longer digest to the anchor ${events}:${digest.slice(0, 12)}… (events before it were rewritten with their hashes, removed or inserted)\n`,
      );
    }
    process.stdout.write(`anchor: ${formatAnchor(verdict.anchor)}\n`);
    return verdict.intact ? 0 : 1;
  });
};

runCli('verify', USAGE, main);
