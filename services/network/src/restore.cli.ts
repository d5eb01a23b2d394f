import { ConfigurationError, loadConfig, plainArguments, runCli } from '@oriental/service-kit';
import { restoreDataDir, RestoreRefused } from './restore';

const USAGE = `usage: npm run restore -- <backup dir>

Brings a backup made by \`npm run backup -- <dir>\` into DATA_DIR (default ./data), which must be
empty or absent: the network must not run on it. Refuses, writing nothing, a non-empty DATA_DIR,
a partial or damaged backup (its backup.json, each file's size and sha256, SQLite's integrity
check, the events' hash chains), and keys that do not open with the master key in use.

The master key is NOT in the backup: put the one kept with it at MASTER_KEY_FILE (default
<DATA_DIR>.master.key, 0600) or set PERSONAL_DATA_MASTER_KEY (keys of before a rotation also need
PERSONAL_DATA_PREVIOUS_MASTER_KEYS). Restore never creates a master key.

The files are copied beside DATA_DIR, the read models rebuilt there, and the whole renamed to
DATA_DIR at the end: interrupted, it leaves DATA_DIR as it was (delete the .<name>.restore-*
directory it leaves beside it). Then \`npm start\`: the network answers at once.

Exit codes: 0 restored; 2 refused or a wrong argument (nothing written); 1 a failure.
`;

const main = async (argv: string[]): Promise<number> => {
  const args = plainArguments(argv, 1);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = Date.now();
  let report;
  try {
    report = await restoreDataDir(loadConfig(), args[0]!, { onStep: (message) => process.stdout.write(`  ${message}\n`) });
  } catch (error) {
    if (!(error instanceof RestoreRefused || error instanceof ConfigurationError)) throw error;
    process.stderr.write(`restore refused: ${error.message}\n`);
    return 2;
  }
  process.stdout.write(
    `restored ${report.events} events and ${report.keys} keys (${report.destroyed} destroyed) of the backup made at ${report.backupCreatedAt} into ${report.dataDir} in ${Date.now() - started} ms\n` +
      (report.readModels.length > 0
        ? `read models rebuilt (${report.replayedEvents} events replayed): start the network with \`npm start\`\n`
        : 'READ_STORE=mongodb: rebuild the read models with `npm run rebuild -- --all` before starting the consumers\n'),
  );
  return 0;
};

runCli('restore', USAGE, main);
