import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PERSONAL_DATA_OWNERS } from '@oriental/personal-data';
import { dataFile, EVENT_STORE_FILE, KEY_STORE_FILE, keyStoreFileOf, ServiceConfig } from '@oriental/service-kit';

/** What the copy of one key store holds: active keys per master key id, tombstones, size and sha256 of the file. */
export interface KeyStoreCopy {
  keys: Record<string, number>;
  destroyed: number;
  bytes: number;
  /** Hex; absent from backups made before restore checked it (those still restore, on sizes and the other checks). */
  sha256?: string;
}

/** What the copy of the event store holds: events, last position, size and sha256 of the file. */
export interface EventStoreCopy {
  events: number;
  lastPosition: number | null;
  bytes: number;
  sha256?: string;
}

/** SHA-256 (hex) of a file's bytes, read a MiB at a time: a store of any size, in little memory. */
export const sha256OfFile = (file: string): string => {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
};

/** The manifest's name in a backup: written last, so a backup without one did not finish. */
export const BACKUP_MANIFEST_FILE = 'backup.json';

/** What a backup holds, written beside the copies as `backup.json`. */
export interface BackupManifest {
  createdAt: string;
  /** The event store, intake's key store, and the key store of every other service that keeps personal data (capacity building's, once it has run). */
  files: {
    [EVENT_STORE_FILE]: EventStoreCopy;
    [KEY_STORE_FILE]: KeyStoreCopy;
  } & Record<string, KeyStoreCopy | EventStoreCopy>;
  /** Where the master key is: NOT in the backup, to be kept apart from it. */
  masterKey: { location: string; inBackup: false };
}

export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

const isInside = (dir: string, path: string): boolean => {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
};

/** Pages per step of SQLite's online backup: all of them, so each copy is one read transaction, one snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies one SQLite database with SQLite's online backup API (better-sqlite3 `db.backup()`): it
 * reads through a connection of its own while the services write (WAL: readers never block the
 * writer), the remaining pages in one step, so the copy is the database as it was at one instant.
 */
const copyDatabase = async (source: string, target: string): Promise<void> => {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  // A copy of a WAL database is one too: made a single self-contained file (the stores turn WAL back on when they open it).
  const copy = new Database(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  chmodSync(target, 0o600);
};

/** Opens a copy as a restore would, checks it is whole, and answers what it holds and the sha256 of its bytes (which `npm run restore` checks). */
const checkCopy = <T>(file: string, read: (db: Database.Database) => T): T & { sha256: string } => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const [check] = db.pragma('integrity_check') as { integrity_check: string }[];
    if (check?.integrity_check !== 'ok') throw new Error(`${file} failed its integrity check: ${check?.integrity_check}`);
    return { ...read(db), sha256: sha256OfFile(file) };
  } finally {
    db.close();
  }
};

/**
 * `npm run backup -- <target dir>`: the embedded run's event store and key stores (intake's,
 * capacity building's), copied while the network may run, consistently: the event store first,
 * then the key stores. A key is stored
 * before the first event it seals is appended, so every event in the copy has its key in the
 * copy (unless it was erased in between: then it reads as erased, as it should). The master key
 * is not copied: a backup that held it would open every person on its own (ADR 0010, 0012).
 * Read models are not copied either: `npm run rebuild` makes them again from the events.
 */
export const backupDataDir = async (config: ServiceConfig, targetDir: string): Promise<BackupManifest> => {
  if (config.EVENT_STORE !== 'sqlite' || config.KEY_STORE !== 'sqlite') {
    throw new BackupRefused(
      'npm run backup copies the embedded stores (EVENT_STORE=sqlite, KEY_STORE=sqlite); back up KurrentDB and MongoDB with their own tools (a KurrentDB backup, mongodump of the keys database)',
    );
  }
  const target = resolve(targetDir);
  if (isInside(config.dataDir, target)) throw new BackupRefused(`the backup must be outside DATA_DIR (${config.dataDir})`);
  if (existsSync(target) && readdirSync(target).length > 0) throw new BackupRefused(`${target} is not empty: back up into a new directory`);
  const events = dataFile(config, EVENT_STORE_FILE);
  for (const file of [events, dataFile(config, KEY_STORE_FILE)]) if (!existsSync(file)) throw new BackupRefused(`${file} does not exist: is DATA_DIR (${config.dataDir}) the network's?`);
  // Every service's key store (ADR 0014); one a data dir of an earlier version never had is not there to copy.
  const keyStoreFiles = PERSONAL_DATA_OWNERS.map(keyStoreFileOf).filter((name) => name === KEY_STORE_FILE || existsSync(dataFile(config, name)));

  mkdirSync(target, { recursive: true, mode: 0o700 });
  chmodSync(target, 0o700);
  const createdAt = new Date().toISOString();
  // Events first: every key an event copied here needs was stored before that event, so before this point.
  await copyDatabase(events, join(target, EVENT_STORE_FILE));
  for (const name of keyStoreFiles) await copyDatabase(dataFile(config, name), join(target, name));

  const pageBytes = (db: Database.Database) => (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const keyStoreCopy = (name: string): KeyStoreCopy =>
    checkCopy(join(target, name), (db) => {
      const active = db.prepare('SELECT master_key_id AS id, count(*) AS n FROM data_keys WHERE destroyed_at IS NULL GROUP BY master_key_id').all() as { id: string; n: number }[];
      const { destroyed } = db.prepare('SELECT count(*) AS destroyed FROM data_keys WHERE destroyed_at IS NOT NULL').get() as { destroyed: number };
      return { keys: Object.fromEntries(active.map(({ id, n }) => [id, n])), destroyed, bytes: pageBytes(db) };
    });
  const manifest: BackupManifest = {
    createdAt,
    files: {
      [EVENT_STORE_FILE]: checkCopy(join(target, EVENT_STORE_FILE), (db) => {
        const { n, last } = db.prepare('SELECT count(*) AS n, max(position) AS last FROM events').get() as { n: number; last: number | null };
        return { events: n, lastPosition: last, bytes: pageBytes(db) };
      }),
      [KEY_STORE_FILE]: keyStoreCopy(KEY_STORE_FILE),
      ...Object.fromEntries(keyStoreFiles.filter((name) => name !== KEY_STORE_FILE).map((name) => [name, keyStoreCopy(name)])),
    },
    masterKey: { location: config.PERSONAL_DATA_MASTER_KEY ? 'PERSONAL_DATA_MASTER_KEY (environment)' : config.masterKeyFile, inBackup: false },
  };
  const manifestFile = join(target, BACKUP_MANIFEST_FILE);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
};
