import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ChainedLog, ChainedRecordRow, toChainedRecord, verifyLog } from '@oriental/event-store';
import { MasterKeyMissing, MasterKeyring, PERSONAL_DATA_OWNERS } from '@oriental/personal-data';
import { EVENT_STORE_FILE, keyStoreFileOf, ServiceConfig } from '@oriental/service-kit';
import { BACKUP_MANIFEST_FILE, BackupManifest, sha256OfFile } from './backup';
import { rebuildNetworkReadModels } from './network';

/** A restore that must not happen: nothing was written (the message says why and what to do). */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

export interface RestoreReport {
  dataDir: string;
  /** When the backup was made (its manifest's `createdAt`). */
  backupCreatedAt: string;
  events: number;
  /** Active keys, and tombstones, over every key store restored. */
  keys: number;
  destroyed: number;
  files: string[];
  /** Whether the manifest carried each file's sha256 (backups before it had sizes only). */
  checkedSha256: boolean;
  /** The read models rebuilt from the restored log before DATA_DIR was put in place; none with READ_STORE=mongodb. */
  readModels: string[];
  replayedEvents: number;
}

export interface RestoreOptions {
  /** Progress of the checks and the rebuild, one line at a time (the CLI prints them). */
  onStep?: (message: string) => void;
}

const isInside = (dir: string, path: string): boolean => {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
};

/** The files a backup may hold: the event store and the key store of each service that keeps personal data. */
const KEY_STORE_FILES = new Set<string>(PERSONAL_DATA_OWNERS.map(keyStoreFileOf));

interface FileEntry {
  bytes: number;
  sha256?: string;
  events?: number;
  lastPosition?: number | null;
  keys?: Record<string, number>;
  destroyed?: number;
}

/** Reads and checks backup.json: its absence or a wrong shape means a partial or foreign backup. */
const readManifest = (backup: string): BackupManifest & { files: Record<string, FileEntry> } => {
  const file = join(backup, BACKUP_MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new RestoreRefused(`${backup} holds no ${BACKUP_MANIFEST_FILE}: not a backup made by \`npm run backup\`, or one that did not finish (the manifest is written last)`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RestoreRefused(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}): the backup is damaged`);
  }
  const files = (manifest as { files?: unknown })?.files;
  if (typeof files !== 'object' || files === null || typeof (manifest as { createdAt?: unknown }).createdAt !== 'string') {
    throw new RestoreRefused(`${file} does not describe a backup (no createdAt or files): the backup is damaged`);
  }
  for (const required of [EVENT_STORE_FILE, keyStoreFileOf('intake')]) {
    if (!(required in files)) throw new RestoreRefused(`${file} lists no ${required}: a backup holds the event store and intake's key store`);
  }
  for (const [name, entry] of Object.entries(files)) {
    if (name !== EVENT_STORE_FILE && !KEY_STORE_FILES.has(name)) throw new RestoreRefused(`${file} lists ${JSON.stringify(name)}, which is no store of the network`);
    const { bytes, sha256 } = (entry ?? {}) as FileEntry;
    if (!Number.isInteger(bytes) || bytes < 0 || (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))) {
      throw new RestoreRefused(`${file}: the entry of ${name} has no valid size or sha256: the backup is damaged`);
    }
  }
  return manifest as BackupManifest & { files: Record<string, FileEntry> };
};

/** Opens a copy read-only (nothing written, not even a journal) and runs `check` once SQLite's integrity check passed. */
const withCheckedDatabase = async <T>(file: string, check: (db: Database.Database) => T | Promise<T>): Promise<T> => {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new RestoreRefused(`${file} does not open as a SQLite database (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    let result: string;
    try {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      result = rows.map((row) => row.integrity_check).join('; ');
    } catch (error) {
      result = error instanceof Error ? error.message : String(error);
    }
    if (result !== 'ok') throw new RestoreRefused(`${file} failed SQLite's integrity check: ${result.slice(0, 300)}`);
    return await check(db);
  } finally {
    db.close();
  }
};

const RECORD_COLUMNS = 'position, stream, revision, id, type, schema_version, data, metadata, previous_hash, hash';

/** The chained reads of a copy of the event store, opened read-only: what `verifyLog` walks. */
const chainedLogOfCopy = (db: Database.Database): ChainedLog => {
  const columns = (db.prepare("SELECT name FROM pragma_table_info('events')").all() as { name: string }[]).map(({ name }) => name);
  const chained = columns.includes('hash');
  const select = chained ? RECORD_COLUMNS : `${RECORD_COLUMNS.replace(', previous_hash, hash', '')}, NULL AS previous_hash, NULL AS hash`;
  const page = db.prepare<[number, number], ChainedRecordRow>(`SELECT ${select} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
  const stream = db.prepare<[string], ChainedRecordRow>(`SELECT ${select} FROM events WHERE stream = ? ORDER BY revision`);
  const journey = db.prepare<[string], { stream: string }>('SELECT stream FROM events WHERE beneficiary_id = ? GROUP BY stream ORDER BY MIN(position)');
  return {
    readStreamRecords: async (name) => stream.all(name).map(toChainedRecord),
    streamsOfJourney: async (beneficiaryId) => journey.all(beneficiaryId).map((row) => row.stream),
    readAllRecords: async ({ after, maxCount }) => {
      const rows = page.all(after === undefined ? 0 : Number(after), maxCount);
      const checkpoint = rows.length > 0 ? String(rows[rows.length - 1]!.position) : after;
      return { records: rows.map(toChainedRecord), ...(checkpoint !== undefined ? { checkpoint } : {}), endOfLog: rows.length < maxCount };
    },
  };
};

/** The event store copy: whole, as many events as the manifest says, every stream's hash chain intact. */
const checkEventStore = (file: string, entry: FileEntry): Promise<number> =>
  withCheckedDatabase(file, async (db) => {
    const { events, lastPosition } = db.prepare('SELECT count(*) AS events, max(position) AS lastPosition FROM events').get() as { events: number; lastPosition: number | null };
    if ((entry.events !== undefined && entry.events !== events) || (entry.lastPosition !== undefined && entry.lastPosition !== lastPosition)) {
      throw new RestoreRefused(
        `${file} holds ${events} events up to position ${lastPosition}, its manifest says ${entry.events} up to ${entry.lastPosition}: the copy is not the one the backup made`,
      );
    }
    const verdict = await verifyLog(chainedLogOfCopy(db));
    if (verdict.firstBrokenLink) {
      const { stream, revision, reason } = verdict.firstBrokenLink;
      throw new RestoreRefused(`${file}: the hash chain breaks at stream ${stream} revision ${revision} (${reason}): the events were changed after they were written (ADR 0011)`);
    }
    return events;
  });

interface KeyRow {
  id: string;
  master_key_id: string | null;
  iv: string;
  tag: string;
  wrapped_key: string;
}

/**
 * The master keys this restore may use, read without creating any: PERSONAL_DATA_MASTER_KEY, else
 * the file MASTER_KEY_FILE (never generated here: a new key would open nobody), and the previous
 * keys of a rotation (PERSONAL_DATA_PREVIOUS_MASTER_KEYS, `<MASTER_KEY_FILE>.previous`).
 */
const heldMasterKeys = (config: ServiceConfig): MasterKeyring | undefined => {
  const fromText = (text: string, where: string): Buffer => {
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new RestoreRefused(`the master key in ${where} is not 32 bytes of base64`);
    return key;
  };
  const previousFile = `${config.masterKeyFile}.previous`;
  const previous = [
    ...config.PERSONAL_DATA_PREVIOUS_MASTER_KEYS.map((key) => fromText(key, 'PERSONAL_DATA_PREVIOUS_MASTER_KEYS')),
    ...(!config.PERSONAL_DATA_MASTER_KEY && existsSync(previousFile) ? [fromText(readFileSync(previousFile, 'utf8'), previousFile)] : []),
  ];
  if (config.PERSONAL_DATA_MASTER_KEY) return MasterKeyring.of(fromText(config.PERSONAL_DATA_MASTER_KEY, 'PERSONAL_DATA_MASTER_KEY'), previous);
  if (existsSync(config.masterKeyFile)) return MasterKeyring.of(fromText(readFileSync(config.masterKeyFile, 'utf8'), config.masterKeyFile), previous);
  return undefined;
};

const howToSupplyTheKey = (config: ServiceConfig): string =>
  `The master key is never in a backup (ADR 0010, 0012): supply the one kept apart with this backup, either as the file MASTER_KEY_FILE ` +
  `(now ${config.masterKeyFile}, the default being <DATA_DIR>.master.key; 0600, one line of base64) or as PERSONAL_DATA_MASTER_KEY=<base64>; ` +
  `keys wrapped before a rotation also need the old key in PERSONAL_DATA_PREVIOUS_MASTER_KEYS. Nothing was written.`;

/**
 * A key store copy: whole, its counts as the manifest says, and every active key opens with the
 * master keys held (a key that does not would make its person unreadable once restored).
 */
const checkKeyStore = (file: string, entry: FileEntry, config: ServiceConfig, ring: () => MasterKeyring | undefined): Promise<{ keys: number; destroyed: number }> =>
  withCheckedDatabase(file, (db) => {
    const byMasterKey = Object.fromEntries(
      (db.prepare('SELECT master_key_id AS id, count(*) AS n FROM data_keys WHERE destroyed_at IS NULL GROUP BY master_key_id').all() as { id: string | null; n: number }[]).map(({ id, n }) => [
        String(id),
        n,
      ]),
    );
    const { destroyed } = db.prepare('SELECT count(*) AS destroyed FROM data_keys WHERE destroyed_at IS NOT NULL').get() as { destroyed: number };
    const keys = Object.values(byMasterKey).reduce((sum, n) => sum + n, 0);
    if ((entry.keys !== undefined && JSON.stringify(Object.entries(entry.keys).sort()) !== JSON.stringify(Object.entries(byMasterKey).sort())) || (entry.destroyed !== undefined && entry.destroyed !== destroyed)) {
      throw new RestoreRefused(`${file} holds ${keys} keys and ${destroyed} tombstones, not what its manifest says: the copy is not the one the backup made`);
    }
    if (keys === 0) return { keys, destroyed };
    const keyring = ring();
    if (!keyring) {
      throw new RestoreRefused(
        `${file} holds ${keys} personal-data keys wrapped by master key ${Object.keys(byMasterKey).join(', ')}, but no master key is at ${config.masterKeyFile} and PERSONAL_DATA_MASTER_KEY is not set. ${howToSupplyTheKey(config)}`,
      );
    }
    const missing = Object.keys(byMasterKey).filter((id) => !keyring.holds(id));
    if (missing.length > 0) {
      throw new RestoreRefused(
        `${file} holds keys wrapped by master key ${missing.join(', ')}, which the master key in use (${[keyring.current, ...keyring.previous].map(({ id }) => id).join(', ')}) is not: restored, those people could not be read. ${howToSupplyTheKey(config)}`,
      );
    }
    // Every key, unwrapped as the vault would: a held id over bytes that do not open is a damaged or forged copy.
    let unopened = 0;
    for (const row of db.prepare('SELECT id, master_key_id, iv, tag, wrapped_key FROM data_keys WHERE destroyed_at IS NULL').iterate() as IterableIterator<KeyRow>) {
      try {
        if (row.master_key_id === null) {
          if (keyring.identify(row.id, { iv: row.iv, tag: row.tag, key: row.wrapped_key }) === undefined) unopened++;
        } else keyring.unwrap(row.id, { masterKeyId: row.master_key_id, iv: row.iv, tag: row.tag, key: row.wrapped_key });
      } catch (error) {
        if (error instanceof MasterKeyMissing) throw new RestoreRefused(`${file}: ${error.message}. ${howToSupplyTheKey(config)}`);
        unopened++;
      }
    }
    if (unopened > 0) throw new RestoreRefused(`${file}: ${unopened} of ${keys} keys do not open with the master key they name: the copy is damaged, or the key at hand is not the one they were wrapped with. ${howToSupplyTheKey(config)}`);
    return { keys, destroyed };
  });

const fsyncPath = (path: string): void => {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/** A directory's entries made durable; not every platform can open a directory to sync it (Windows), and nothing depends on it there. */
const fsyncDirectory = (path: string): void => {
  try {
    fsyncPath(path);
  } catch {
    // Best effort.
  }
};

/**
 * `npm run restore -- <backup dir>`: brings a backup made by `npm run backup` into an EMPTY
 * DATA_DIR (absent, or an empty directory), or refuses, writing nothing:
 *
 * 1. checks, reading the backup only: its manifest (backup.json, written last, so a partial
 *    backup has none), each file's size and, when the manifest has it, sha256; SQLite's
 *    integrity check; the events and keys each file holds against the manifest; every stream's
 *    hash chain (ADR 0011); every active key unwrapped with the master key in use, which is
 *    never in the backup and is never created here;
 * 2. copies the files into a new directory beside DATA_DIR (`.<name>.restore-*` in its parent,
 *    the same file system), checks each copy's sha256 against the backup's, and rebuilds the
 *    embedded read models there from the restored log, so the network answers at once;
 * 3. syncs it and renames it to DATA_DIR: a crash before leaves DATA_DIR as it was (and a
 *    `.restore-*` directory to delete), never half restored.
 *
 * What a backup does not hold is made at the first start: the embedded token issuer's key
 * (tokens issued before do not verify), the services' own followers' indexes (intake's duplicate
 * index, capacity building's enrolments), rebuilt by their followers from the log.
 */
export const restoreDataDir = async (config: ServiceConfig, backupDir: string, { onStep = () => undefined }: RestoreOptions = {}): Promise<RestoreReport> => {
  if (config.EVENT_STORE !== 'sqlite' || config.KEY_STORE !== 'sqlite') {
    throw new RestoreRefused('npm run restore restores the embedded stores (EVENT_STORE=sqlite, KEY_STORE=sqlite); restore KurrentDB and MongoDB with their own tools (docs/operations.md)');
  }
  const backup = resolve(backupDir);
  const dataDir = config.dataDir;
  if (!existsSync(backup) || !statSync(backup).isDirectory()) throw new RestoreRefused(`${backup} is not a directory: name the directory \`npm run backup\` wrote`);
  if (isInside(dataDir, backup) || isInside(backup, dataDir)) throw new RestoreRefused(`the backup (${backup}) and DATA_DIR (${dataDir}) must not hold one another`);
  if (existsSync(dataDir)) {
    if (!statSync(dataDir).isDirectory()) throw new RestoreRefused(`DATA_DIR (${dataDir}) is not a directory`);
    const present = readdirSync(dataDir);
    if (present.length > 0) {
      throw new RestoreRefused(
        `DATA_DIR (${dataDir}) is not empty (${present.slice(0, 5).join(', ')}${present.length > 5 ? ', …' : ''}): restore into a new or empty DATA_DIR; move the current one aside first if it is to be replaced`,
      );
    }
  }

  const manifest = readManifest(backup);
  const names = Object.keys(manifest.files).sort((a, b) => (a === EVENT_STORE_FILE ? -1 : b === EVENT_STORE_FILE ? 1 : a < b ? -1 : 1));
  const checkedSha256 = names.every((name) => manifest.files[name]!.sha256 !== undefined);
  const hashes = new Map<string, string>();
  for (const name of names) {
    const file = join(backup, name);
    const entry = manifest.files[name]!;
    if (!existsSync(file)) throw new RestoreRefused(`${file} is missing: the backup is partial`);
    for (const leftover of [`${file}-journal`, `${file}-wal`]) {
      if (existsSync(leftover)) throw new RestoreRefused(`${leftover} exists beside the copy: the backup was not finished or was opened since`);
    }
    const size = statSync(file).size;
    if (size !== entry.bytes) throw new RestoreRefused(`${file} is ${size} bytes, its manifest says ${entry.bytes}: the copy is truncated or not the one the backup made`);
    const sha256 = sha256OfFile(file);
    if (entry.sha256 !== undefined && entry.sha256 !== sha256) throw new RestoreRefused(`${file}'s sha256 is not its manifest's: the copy was changed or damaged`);
    hashes.set(name, sha256);
  }
  onStep(`checked ${names.length} files against ${BACKUP_MANIFEST_FILE} (sizes${checkedSha256 ? ' and sha256' : '; this older backup lists no sha256'})`);

  let events = 0;
  let keys = 0;
  let destroyed = 0;
  // Read once, when a key store first needs it: a backup without keys needs no master key.
  let keyring: { held: MasterKeyring | undefined } | undefined;
  const ring = () => (keyring ??= { held: heldMasterKeys(config) }).held;
  for (const name of names) {
    const file = join(backup, name);
    if (name === EVENT_STORE_FILE) {
      events = await checkEventStore(file, manifest.files[name]!);
      onStep(`${name}: intact, ${events} events, every hash chain holds`);
    } else {
      const counted = await checkKeyStore(file, manifest.files[name]!, config, ring);
      keys += counted.keys;
      destroyed += counted.destroyed;
      onStep(`${name}: intact, ${counted.keys} keys open with the master key in use, ${counted.destroyed} destroyed`);
    }
  }

  // Beside DATA_DIR, on its file system, so that the last step is one rename.
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `.${basename(dataDir)}.restore-`));
  try {
    chmodSync(staging, 0o700);
    for (const name of names) {
      const copy = join(staging, name);
      copyFileSync(join(backup, name), copy);
      chmodSync(copy, 0o600);
      if ((sha256OfFile(copy)) !== hashes.get(name)) throw new Error(`${copy} differs from ${join(backup, name)} after copying: the backup changed during the restore, or the disk is failing`);
      fsyncPath(copy);
    }
    let readModels: string[] = [];
    let replayedEvents = 0;
    if (config.READ_STORE === 'memory') {
      onStep('rebuilding the read models from the restored log');
      const rebuilt = await rebuildNetworkReadModels({ ...config, DATA_DIR: staging, dataDir: staging });
      readModels = rebuilt.readModels;
      replayedEvents = rebuilt.events;
      for (const file of readdirSync(staging)) if (statSync(join(staging, file)).isFile()) fsyncPath(join(staging, file));
    }
    fsyncDirectory(staging);
    try {
      renameSync(staging, dataDir);
    } catch (error) {
      // POSIX renames over an empty directory; elsewhere remove it first, if it is still empty.
      const code = (error as NodeJS.ErrnoException).code;
      if (!(code === 'EPERM' || code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'EACCES') || !existsSync(dataDir)) throw error;
      if (readdirSync(dataDir).length > 0) throw new RestoreRefused(`DATA_DIR (${dataDir}) received files during the restore: nothing was put in place`);
      rmdirSync(dataDir);
      renameSync(staging, dataDir);
    }
    fsyncDirectory(parent);
    return { dataDir, backupCreatedAt: manifest.createdAt, events, keys, destroyed, files: names, checkedSha256, readModels, replayedEvents };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
};
