import { rotateMasterKey } from '@oriental/intake';
import { loadConfig, plainArguments, runCli } from '@oriental/service-kit';

const USAGE = `usage: npm run rotate-master-key

Rewraps every per-beneficiary key with a new master key; no event is re-encrypted (ADR 0012).

Embedded run (master key file, MASTER_KEY_FILE, default <DATA_DIR>.master.key): stop the
network first. A new key replaces the file; the old one is kept as <file>.previous until every
key is rewrapped, then deleted. Interrupted, the store still opens (both keys are held) and
running the command again finishes the rotation. Backups made before open only with the old
key: copy the key file apart with them BEFORE rotating if they must stay readable.

Distributed run (PERSONAL_DATA_MASTER_KEY): restart the services with the new key in
PERSONAL_DATA_MASTER_KEY and the old one in PERSONAL_DATA_PREVIOUS_MASTER_KEYS, run this with
the same environment, then remove PERSONAL_DATA_PREVIOUS_MASTER_KEYS.

Exit codes: 0 done; 1 keys remain under a retired key (run it again), or a failure; 2 a wrong argument.
`;

const main = async (argv: string[]): Promise<number> => {
  const args = plainArguments(argv, 0);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await rotateMasterKey(loadConfig(), (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.finished ? 0 : 1;
};

runCli('rotate-master-key', USAGE, main, { prefix: '', stack: false });
