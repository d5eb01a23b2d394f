import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyStore } from '@oriental/key-store';
import type { ReadStore } from '@oriental/read-store';
import { openKeyStore, openReadStore, ServiceConfig } from '@oriental/service-kit';
import { PERSONAL_DATA_OWNERS, PersonalDataOwner } from './key-stores';
import { loadMasterKey, loadMasterKeyring, previousMasterKeyFile, writeOwnerOnly } from './master-key';
import { MasterKeyring } from './master-keyring';

const PAGE = 500;

/**
 * Rewraps every key the store holds under a previous master key with the current one: unwrap
 * with the old, wrap with the new, written only if still wrapped by the old (a key destroyed or
 * rewrapped meanwhile is left as it is). Events are not touched: they are sealed with the data
 * keys, which do not change. Keys under a master key the keyring does not hold are counted.
 */
export const rewrapKeys = async (
  keys: KeyStore,
  keyring: MasterKeyring,
  onProgress?: (rewrapped: number) => void,
): Promise<{ rewrapped: number; unheld: number }> => {
  let rewrapped = 0;
  let unheld = 0;
  for (let after: string | undefined; ; ) {
    const page = await keys.list({ limit: PAGE, notWrappedBy: keyring.current.id, ...(after === undefined ? {} : { after }) });
    for (const { id, wrapped } of page.keys) {
      if (!keyring.holds(wrapped.masterKeyId)) {
        unheld++;
        continue;
      }
      if (await keys.rewrap(id, wrapped.masterKeyId, keyring.wrap(id, keyring.unwrap(id, wrapped)))) rewrapped++;
    }
    onProgress?.(rewrapped);
    if (page.next === undefined) return { rewrapped, unheld };
    after = page.next;
  }
};

const syncDirectory = (directory: string): void => {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

const readKeyFile = (file: string): string => readFileSync(file, 'utf8').trim();

/**
 * The embedded run's first step: the current key is kept as `<MASTER_KEY_FILE>.previous`, then a
 * new key replaces it (written beside it, synced, renamed over it). From then on every boot holds
 * both. Run again after a crash, it resumes: a `.previous` that differs from the current key is a
 * rotation under way (answers false); one equal to it never got its new key.
 */
export const beginFileRotation = (config: ServiceConfig): boolean => {
  const file = config.masterKeyFile;
  const previous = previousMasterKeyFile(config);
  const next = `${file}.next`;
  loadMasterKey(config);
  // A new key that never became current was never used: a fresh one replaces it.
  if (existsSync(next)) unlinkSync(next);
  if (!existsSync(previous)) writeOwnerOnly(previous, readKeyFile(file));
  else if (readKeyFile(previous) !== readKeyFile(file)) return false;
  writeOwnerOnly(next, randomBytes(32).toString('base64'));
  renameSync(next, file);
  syncDirectory(dirname(file));
  return true;
};

/** The embedded run's last step, once no key is under it any more: the retired key is deleted. */
export const finishFileRotation = (config: ServiceConfig): void => {
  const previous = previousMasterKeyFile(config);
  if (!existsSync(previous)) return;
  unlinkSync(previous);
  syncDirectory(dirname(previous));
};

export interface RotationReport {
  /** The current master key's id, once the run is over. */
  masterKeyId: string;
  /** Retired master keys still held (rotation under way). */
  retired: string[];
  /** Keys moved into a key store from an older layout first (intake's read store, before the key store). */
  moved: number;
  rewrapped: number;
  /** Active keys per master key id after the run, every key store counted. */
  keys: Record<string, number>;
  /** The same, per key store (`PERSONAL_DATA_OWNERS`). */
  byOwner: Record<PersonalDataOwner, Record<string, number>>;
  /** Keys under a master key not held at all: never opened here, never rewrapped. */
  unheld: number;
  /** True when no key of any store is under a retired key any more (the embedded run then deleted it). */
  finished: boolean;
}

/** One owner's stores during a rotation: its key store, and its read store, held to show it is not running. */
export interface OwnerStores {
  owner: PersonalDataOwner;
  keys: KeyStore;
  readStore: ReadStore;
}

/** What must happen to an owner's key store before it is rewrapped (intake: move the keys its read store held); answers the keys moved. */
export type BeforeRewrap = (stores: OwnerStores, keyring: MasterKeyring) => Promise<number>;

/** The read store of a running embedded service is locked to it: its lock says the network runs. */
const openReadStoreAlone = async (config: ServiceConfig, owner: PersonalDataOwner): Promise<ReadStore> => {
  try {
    return await openReadStore(config, owner);
  } catch (error) {
    if (/held by another process/.test(String(error))) {
      throw new Error(`${owner} is running on this DATA_DIR: stop the network first (a running ${owner} keeps wrapping new keys with the key being retired)`, { cause: error });
    }
    throw error;
  }
};

const addCounts = (total: Record<string, number>, counts: Record<string, number>): Record<string, number> => {
  for (const [id, n] of Object.entries(counts)) total[id] = (total[id] ?? 0) + n;
  return total;
};

/**
 * `npm run rotate-master-key`: every data key of every key store (`PERSONAL_DATA_OWNERS`)
 * rewrapped under a new master key, no event re-encrypted (ADR 0012). The embedded run (master
 * key file) generates the new key itself and must run with the network stopped; the distributed
 * run takes the new key from PERSONAL_DATA_MASTER_KEY and the old ones from
 * PERSONAL_DATA_PREVIOUS_MASTER_KEYS, the services running with both meanwhile. The retired key
 * is deleted only once no store holds a key under it. Safe to run again after a crash: it resumes.
 */
export const rotateMasterKey = async (
  config: ServiceConfig,
  log: (line: string) => void = () => undefined,
  before: Partial<Record<PersonalDataOwner, BeforeRewrap>> = {},
): Promise<RotationReport> => {
  const embedded = !config.PERSONAL_DATA_MASTER_KEY;
  const opened: OwnerStores[] = [];
  const readStores: ReadStore[] = [];
  try {
    for (const owner of PERSONAL_DATA_OWNERS) {
      const readStore = await openReadStoreAlone(config, owner);
      readStores.push(readStore);
      opened.push({ owner, readStore, keys: await openKeyStore(config, owner) });
    }
    let moved = 0;
    for (const stores of opened) moved += (await before[stores.owner]?.(stores, loadMasterKeyring(config))) ?? 0;
    if (embedded) {
      const started = beginFileRotation(config);
      log(started ? `new master key written to ${config.masterKeyFile}; the retired one is kept at ${previousMasterKeyFile(config)} until every key is rewrapped` : 'resuming the rotation under way');
    }
    const keyring = loadMasterKeyring(config);
    if (!embedded && keyring.previous.length === 0) log('PERSONAL_DATA_PREVIOUS_MASTER_KEYS is empty: only keys under a held master key are rewrapped (none is retired)');
    let rewrapped = 0;
    let unheld = 0;
    const keys: Record<string, number> = {};
    const byOwner = {} as Record<PersonalDataOwner, Record<string, number>>;
    for (const { owner, keys: store } of opened) {
      const done = await rewrapKeys(store, keyring, (n) => log(`${owner}: rewrapped ${n} keys`));
      rewrapped += done.rewrapped;
      unheld += done.unheld;
      byOwner[owner] = (await store.counts()).byMasterKey;
      addCounts(keys, byOwner[owner]);
    }
    const retired = keyring.previous.map(({ id }) => id).filter((id) => (keys[id] ?? 0) > 0);
    const finished = retired.length === 0;
    if (finished && embedded) finishFileRotation(config);
    if (unheld > 0) log(`${unheld} keys are under a master key this run does not hold: left as they are`);
    log(
      finished
        ? `done: every key is under master key ${keyring.current.id}${embedded ? '; the retired key file is deleted (backups made before the rotation open only with the key kept apart with them)' : '; remove PERSONAL_DATA_PREVIOUS_MASTER_KEYS from the services'}`
        : `not finished: keys remain under ${retired.join(', ')}; run it again`,
    );
    return { masterKeyId: keyring.current.id, retired, moved, rewrapped, keys, byOwner, unheld, finished };
  } finally {
    for (const { keys } of opened) await keys.close();
    for (const readStore of readStores) await readStore.close();
  }
};
