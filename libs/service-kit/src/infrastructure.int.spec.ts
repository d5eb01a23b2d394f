import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { anEvent, aStream } from '@oriental/event-store/testing';
import { loadConfig, ServiceConfig } from './config';
import { Infrastructure, openInfrastructure } from './infrastructure';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/**
 * Opens the embedded infrastructure of one service, stores an event and a document, and answers
 * the modes in DATA_DIR while open (WAL files exist then; a clean close deletes them) and after.
 */
const useOnce = async (config: ServiceConfig): Promise<Record<string, number>> => {
  const infrastructure: Infrastructure = await openInfrastructure(config, 'intake');
  try {
    await infrastructure.eventStore.appendToStream(aStream(), [anEvent()], { expectedRevision: 'no_stream' });
    await infrastructure.readStore.collection<{ n: number }>('things').write('a', { n: 1 }, { expectedVersion: 0 });
    return modesIn(config.dataDir);
  } finally {
    await infrastructure.readStore.close();
    await infrastructure.eventStore.close();
    await infrastructure.bus.close();
  }
};

/** The mode of DATA_DIR and of every file in it, by name. */
const modesIn = (dir: string): Record<string, number> =>
  Object.fromEntries([['.', modeOf(dir)], ...readdirSync(dir).map((name) => [name, modeOf(join(dir, name))])]);

/**
 * Issue 7, defect 4: DATA_DIR and its SQLite files were world-readable (0755/0644 under the usual
 * umask). Its owner alone may open them, whatever the umask, and an old dir is tightened at open.
 */
(process.platform === 'win32' ? describe.skip : describe)('the embedded data dir', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'data-dir-modes-'));
    // The most permissive umask: the modes must not come from it.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('is created 0700, and every file the stores create in it 0600', async () => {
    const config = loadConfig({ DATA_DIR: join(root, 'data') });
    const modes = { ...(await useOnce(config)), ...modesIn(config.dataDir) };
    expect(Object.keys(modes)).toEqual(expect.arrayContaining(['events.sqlite', 'events.sqlite-wal', 'intake.read-models.sqlite']));
    expect(modes).toEqual(Object.fromEntries(Object.keys(modes).map((name) => [name, name === '.' ? 0o700 : 0o600])));
  });

  it('tightens a dir and files an earlier version left open', async () => {
    const config = loadConfig({ DATA_DIR: join(root, 'data') });
    mkdirSync(config.dataDir, { mode: 0o755 });
    // As an earlier version left them, readable by all; the event log still open in another
    // process (here, this one), so its WAL and shared-memory files are there too.
    const events = new Database(join(config.dataDir, 'events.sqlite'));
    events.pragma('journal_mode = WAL');
    events.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    new Database(join(config.dataDir, 'intake.read-models.sqlite')).exec('CREATE TABLE t (x)').close();
    for (const file of readdirSync(config.dataDir)) chmodSync(join(config.dataDir, file), 0o644);
    chmodSync(config.dataDir, 0o755);
    expect(readdirSync(config.dataDir)).toEqual(expect.arrayContaining(['events.sqlite-wal', 'events.sqlite-shm']));

    const modes = await useOnce(config).finally(() => events.close());
    expect(modes).toEqual(Object.fromEntries(Object.keys(modes).map((name) => [name, name === '.' ? 0o700 : 0o600])));
  });
});
