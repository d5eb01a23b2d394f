import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BeneficiaryCategories, BeneficiaryCategory, Sex, Sexes } from '@oriental/contracts';
import { beneficiaryDecider, beneficiaryStream, RegisterBeneficiary } from '@oriental/intake-domain';
import { aRegistrationBody, BeneficiaryCodec, loadMasterKeyring, PersonalDataVault } from '@oriental/intake/testing';
import { loadReferenceData } from '@oriental/reference-data';
import { CommandContext, CommandExecutor, keyedId, loadConfig, newId, openInfrastructure, openKeyStore, requestHash } from '@oriental/service-kit';
import { Progress, progressBar } from './progress';

/**
 * Seeds a data directory with registrations written exactly as intake writes them: the
 * RegisterBeneficiary command decided by intake's decider, encoded by intake's codec (personal
 * data sealed by the real vault, whose keys go to the embedded key store file) and
 * appended by the CommandExecutor, which builds the envelope and its metadata. Only HTTP is
 * skipped. Many registrations are in flight at once, so a store that group-commits concurrent
 * appends can do so.
 */

/** The actor of seeded registrations; with the ordinal it gives each one its key, hence its id. */
const SEED_ACTOR = 'bench-seed';
const CONCURRENCY = 64;
/** Written last: a directory holding it with the same count is reused as is. */
const MARKER = 'bench-seed.json';

const seedKey = (ordinal: number) => `bench-seed-${ordinal}`;

/** The id of the `ordinal`-th seeded beneficiary (0-based), derived as intake derives it from the key. */
export const seededBeneficiaryId = (ordinal: number): string => keyedId({ idempotencyKey: seedKey(ordinal) }, 'beneficiary');

/** Seeded count of a directory, or undefined when it was never (completely) seeded. */
export const seededCount = (dataDir: string): number | undefined => {
  const marker = join(dataDir, MARKER);
  return existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { beneficiaries: number }).beneficiaries : undefined;
};

/**
 * Registers `beneficiaries` people in `dataDir`, in this process. A directory seeded halfway is
 * completed: the seeded keys are deterministic, and the executor answers a key it already
 * applied from the stream instead of appending again.
 */
export const seedStore = async (dataDir: string, beneficiaries: number, onProgress: (done: number) => void): Promise<void> => {
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
  const infrastructure = await openInfrastructure(config, 'intake');
  const keyStore = await openKeyStore(config);
  const codec = new BeneficiaryCodec(new PersonalDataVault(keyStore, loadMasterKeyring(config)));
  const executor = new CommandExecutor(infrastructure.eventStore);
  const cells = loadReferenceData(config.REFERENCE_DATA_DIR).cells.map((cell) => cell.id);

  const register = async (ordinal: number) => {
    const fields = {
      cellId: cells[ordinal % cells.length]!,
      category: BeneficiaryCategories[ordinal % BeneficiaryCategories.length]! as BeneficiaryCategory,
      sex: Sexes[ordinal % Sexes.length]! as Sex,
      birthYear: 1940 + (ordinal % 80),
      nationality: 'MA',
      consent: { services: true, sharing: ordinal % 2 === 0, statistics: true },
      person: { firstName: `Amina${ordinal}`, lastName: 'Benali', phone: '+212600000000' },
    };
    const body = aRegistrationBody(fields);
    const idempotencyKey = seedKey(ordinal);
    const context: CommandContext = {
      idempotencyKey,
      requestHash: requestHash('POST', '/beneficiaries', body),
      actor: SEED_ACTOR,
      correlationId: newId(),
      causationId: `http:${idempotencyKey}`,
      now: new Date(),
    };
    const beneficiaryId = keyedId(context, 'beneficiary');
    const command: RegisterBeneficiary = { type: 'RegisterBeneficiary', data: { beneficiaryId, ...fields, now: context.now } };
    await executor.execute({ stream: beneficiaryStream(beneficiaryId), decider: beneficiaryDecider, codec, context, command });
  };

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < beneficiaries) {
      await register(next++);
      done += 1;
    }
  };
  const reporter = setInterval(() => onProgress(done), 200);
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    onProgress(done);
  } finally {
    clearInterval(reporter);
    await keyStore.close();
    await infrastructure.readStore.close();
    await infrastructure.bus.close();
    await infrastructure.eventStore.close();
  }
  writeFileSync(join(dataDir, MARKER), JSON.stringify({ beneficiaries }));
};

/**
 * Seeds in a child process, so that the bench process, which then hosts the network, measures
 * the network's memory and CPU and not what seeding left behind. Answers how long it took, or
 * 0 when the directory was already seeded with this count.
 */
export const seedStoreInChild = async (dataDir: string, beneficiaries: number, label: string): Promise<{ seconds: number; reused: boolean }> => {
  const already = seededCount(dataDir);
  if (already === beneficiaries) return { seconds: 0, reused: true };
  if (already !== undefined) throw new Error(`${dataDir} was seeded with ${already} beneficiaries, not ${beneficiaries}: use another --data-dir`);
  const bar: Progress = progressBar(label, beneficiaries, 'beneficiaries');
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = fork(join(__dirname, 'seed-store.child.ts'), [dataDir, String(beneficiaries)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (message: { done: number }) => bar.update(message.done));
      child.on('error', reject);
      child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`seeding ${dataDir} failed (exit ${code ?? signal})`))));
    });
  } finally {
    bar.stop();
  }
  return { seconds: (performance.now() - started) / 1000, reused: false };
};
