import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { dataFile, ServiceConfig } from '@oriental/service-kit';
import { MasterKeyring } from './master-keyring';

/** Where versions before ADR 0010 kept the generated key: inside DATA_DIR, beside the data. */
const LEGACY_KEY_FILE = 'personal-data.master.key';

/**
 * The master key wrapping every personal-data key (of every key store): PERSONAL_DATA_MASTER_KEY when set (the
 * distributed run, where instances must share it), else the file at MASTER_KEY_FILE (default
 * `<DATA_DIR>.master.key`), created once for the embedded run, readable by its owner only.
 * Never inside DATA_DIR: a copy of the data alone must not open personal data (ADR 0010).
 */
export const loadMasterKey = (config: ServiceConfig): Buffer => {
  moveLegacyKeyOut(config);
  if (config.PERSONAL_DATA_MASTER_KEY) return Buffer.from(config.PERSONAL_DATA_MASTER_KEY, 'base64');
  const file = config.masterKeyFile;
  if (!existsSync(file)) {
    try {
      writeOwnerOnly(file, randomBytes(32).toString('base64'));
      new Logger('personal-data').log(`created the personal-data master key at ${file}: back it up apart from DATA_DIR; without it no person can be read`);
    } catch (error) {
      // Another process sharing the data dir created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
};

/**
 * A data dir made by an earlier version holds its key: move the key to MASTER_KEY_FILE, once,
 * durably written there before it is deleted here, so that no copy stays beside the data.
 */
const moveLegacyKeyOut = (config: ServiceConfig): void => {
  const legacy = dataFile(config, LEGACY_KEY_FILE);
  if (!existsSync(legacy)) return;
  const key = readFileSync(legacy, 'utf8').trim();
  const target = config.masterKeyFile;
  if (existsSync(target)) {
    if (readFileSync(target, 'utf8').trim() !== key) {
      throw new Error(
        `${legacy} and ${target} hold different master keys: keep the one that opens this data dir's personal data at ${target} and delete the other`,
      );
    }
  } else {
    writeOwnerOnly(target, key);
  }
  unlinkSync(legacy);
  new Logger('personal-data').warn(`moved the personal-data master key out of DATA_DIR: ${legacy} -> ${target}`);
};

/**
 * Where the embedded run keeps the master key a rotation retires, until every key it wrapped is
 * rewrapped: `<MASTER_KEY_FILE>.previous`, beside the current one, outside DATA_DIR.
 */
export const previousMasterKeyFile = (config: ServiceConfig): string => `${config.masterKeyFile}.previous`;

/**
 * Every master key the service holds: the current one (wraps new keys) and those a rotation in
 * progress retires (still unwrap what is not rewrapped yet): PERSONAL_DATA_PREVIOUS_MASTER_KEYS,
 * and the embedded run's `<MASTER_KEY_FILE>.previous` when it exists (ADR 0012).
 */
export const loadMasterKeyring = (config: ServiceConfig): MasterKeyring => {
  const current = loadMasterKey(config);
  const previousFile = previousMasterKeyFile(config);
  const previous = [
    ...config.PERSONAL_DATA_PREVIOUS_MASTER_KEYS.map((key) => Buffer.from(key, 'base64')),
    ...(!config.PERSONAL_DATA_MASTER_KEY && existsSync(previousFile) ? [Buffer.from(readFileSync(previousFile, 'utf8').trim(), 'base64')] : []),
  ];
  return MasterKeyring.of(current, previous);
};

/** Creates `file` 0600 (failing if it exists) and syncs it to disk before returning. */
export const writeOwnerOnly = (file: string, content: string): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/** DI token of the current master key, loaded once per service (its first load may move an old key file). */
export const MASTER_KEY = Symbol('PersonalDataMasterKey');

/** DI token of the master keyring: the current key and those a rotation in progress retires. */
export const MASTER_KEYRING = Symbol('PersonalDataMasterKeyring');
