import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createKeyStore } from '../create-key-store';
import { keyStoreContract } from '../testing';
import { SqliteKeyStore } from './sqlite-key-store';

const temporaryDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), 'key-store-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
};

keyStoreContract('embedded SQLite file', async () => {
  const { directory, remove } = temporaryDirectory();
  const store = new SqliteKeyStore(join(directory, 'keys.sqlite'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      remove();
    },
  };
});

describe('SqliteKeyStore, on disk', () => {
  let directory: string;
  let remove: () => void;
  let file: string;
  const opened: SqliteKeyStore[] = [];
  const open = () => {
    const store = new SqliteKeyStore(file);
    opened.push(store);
    return store;
  };
  /** Every byte SQLite keeps for the store: the file, its WAL and its shared-memory index. */
  const bytesOnDisk = (): Buffer => Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((path) => readFileSync(path)));
  // Distinctive bytes, as a wrapped key's base64 would be: findable if anything keeps them.
  const secret = { masterKeyId: 'mk-1', iv: 'SXZJdkl2SXZJdkl2', tag: 'VGFnVGFnVGFnVGFnVGFnVGFn', key: 'S2V5Qnl0ZXNPZlBlcnNvbk9uZVRoYXRNdXN0Tm90TGluZ2Vy' };
  const otherKey = { masterKeyId: 'mk-1', iv: 'b3RoZXJJdg==', tag: 'b3RoZXJUYWc=', key: 'b3RoZXJLZXlTdGF5c1B1dA==' };

  beforeEach(() => {
    ({ directory, remove } = temporaryDirectory());
    file = join(directory, 'data', 'keys.sqlite');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    remove();
  });

  it('creates its file owner-only (0600) in an owner-only directory', async () => {
    open();
    if (process.platform === 'win32') return;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(directory, 'data')).mode & 0o777).toBe(0o700);
    for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) expect(statSync(companion).mode & 0o777).toBe(0o600);
  });

  it('keeps keys and tombstones across a restart', async () => {
    const before = open();
    await before.put('person-1', secret);
    await before.destroy('person-2', new Date('2026-12-01T10:00:00Z'));
    await before.close();

    const after = open();

    expect(await after.get('person-1')).toEqual({ id: 'person-1', status: 'active', wrapped: secret });
    expect(await after.put('person-2', secret)).toBe('destroyed');
  });

  it('leaves none of a destroyed key\'s bytes in the file, its free pages or the WAL', async () => {
    const store = open();
    await store.put('person-1', secret);
    await store.put('person-2', otherKey);
    // The check can fail: before the destroy the bytes are on disk (in the WAL or the file).
    expect(bytesOnDisk().includes(secret.key)).toBe(true);

    await store.destroy('person-1', new Date());

    const after = bytesOnDisk();
    for (const part of [secret.key, secret.tag, secret.iv]) expect(after.includes(part)).toBe(false);
    expect(after.includes(otherKey.key)).toBe(true);
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    await store.close();
    expect(bytesOnDisk().includes(secret.key)).toBe(false);
  });

  it('lets another connection read while it writes (what the online backup does), and checkpoints once that reader lets go', async () => {
    const store = open();
    await store.put('person-1', secret);
    const reader = new Database(file, { readonly: true });
    try {
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) AS n FROM data_keys').get()).toEqual({ n: 1 });

      await store.destroy('person-1', new Date());
      expect(await store.health()).toMatchObject({ status: 'up', details: { checkpointPending: true } });
      reader.exec('COMMIT');
    } finally {
      reader.close();
    }

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await store.health()).details).not.toHaveProperty('checkpointPending');
    expect(bytesOnDisk().includes(secret.key)).toBe(false);
  });

  it('is what createKeyStore opens for kind sqlite', async () => {
    const store = await createKeyStore({ kind: 'sqlite', file });
    opened.push(store as SqliteKeyStore);
    expect(await store.health()).toMatchObject({ status: 'up', kind: 'sqlite', details: { file } });
  });
});
