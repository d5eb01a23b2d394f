import { loadConfig, plainArguments, runCli } from '@oriental/service-kit';
import { BackupRefused, backupDataDir, KeyStoreCopy } from './backup';

const USAGE = `usage: npm run backup -- <target dir>

Copies the embedded event store (DATA_DIR/events.sqlite) and key stores (DATA_DIR/keys.sqlite,
intake's; DATA_DIR/capacity-building-keys.sqlite, capacity building's) into <target dir> (new or empty, outside DATA_DIR) with SQLite's online backup: the network may
keep running. Writes backup.json beside them.

The master key is NOT in the backup: without it the copies open nobody. Back it up apart
(MASTER_KEY_FILE, default <DATA_DIR>.master.key; or PERSONAL_DATA_MASTER_KEY), and keep each
backup with the master key of its time (a rotation retires the old one).

Restore: put the master key where MASTER_KEY_FILE says (or set PERSONAL_DATA_MASTER_KEY), then
\`npm run restore -- <target dir>\` into an empty DATA_DIR (it checks the backup, rebuilds the read
models and renames the whole into place), then \`npm start\`.
`;

/** Exit codes: 0 done; 1 refused or failed; 2 a wrong argument. */
const main = async (argv: string[]): Promise<number> => {
  const args = plainArguments(argv, 1);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig();
  let manifest;
  try {
    manifest = await backupDataDir(config, args[0]!);
  } catch (error) {
    if (!(error instanceof BackupRefused)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const { [`events.sqlite`]: events, ...keyStores } = manifest.files;
  const copies = Object.values(keyStores) as KeyStoreCopy[];
  const active = copies.reduce((sum, copy) => sum + Object.values(copy.keys).reduce((n, count) => n + count, 0), 0);
  const destroyed = copies.reduce((sum, copy) => sum + copy.destroyed, 0);
  process.stdout.write(
    `backed up ${events.events} events and ${active} keys (${destroyed} destroyed) into ${args[0]} at ${manifest.createdAt}\n` +
      `the master key is not in it: it is at ${manifest.masterKey.location}; back it up apart, never beside this backup\n`,
  );
  return 0;
};

runCli('backup', USAGE, main, { prefix: '' });
