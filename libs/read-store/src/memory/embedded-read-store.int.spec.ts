import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { createReadStore } from '../create-read-store';
import { applyBatch, ProjectionCheckpoints } from '../projection';
import { readStoreContract } from '../testing';
import type { ReadStore } from '../read-store.port';
import { EmbeddedReadStore } from './embedded-read-store';

const temporaryDirectory = (): { directory: string; remove: () => void } => {
  const directory = mkdtempSync(join(tmpdir(), 'read-store-'));
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
};

readStoreContract('embedded, in memory', async () => {
  const store = EmbeddedReadStore.open();
  return { store, cleanup: () => store.close(), batches: 'all-or-nothing' };
});

readStoreContract('embedded, written through to a SQLite file', async () => {
  const { directory, remove } = temporaryDirectory();
  const store = EmbeddedReadStore.open({ file: join(directory, 'read-store.sqlite') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      remove();
    },
    batches: 'all-or-nothing',
  };
});

describe('embedded read store, on restart', () => {
  let directory: string;
  let remove: () => void;
  let file: string;
  const opened: EmbeddedReadStore[] = [];
  const open = (): EmbeddedReadStore => {
    const store = EmbeddedReadStore.open({ file });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    ({ directory, remove } = temporaryDirectory());
    file = join(directory, 'nested', 'read-store.sqlite');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    remove();
  });

  it('given documents, checkpoints and a projection position, when reopened, then all are there', async () => {
    const before = open();
    const cases = before.collection<{ status: string }>('cases');
    await cases.write('case-1', { status: 'open' }, { expectedVersion: 0, checkpoint: { 'intake-1': 0 } });
    await cases.write('case-1', { status: 'referred' }, { expectedVersion: 1, checkpoint: { 'intake-1': 0, 'referral-1': 2 } });
    await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });
    await before.collection('referrals').write('referral-1', { partnerId: 'p-1' }, { expectedVersion: 0 });
    await new ProjectionCheckpoints(before).save('cases', '0042');
    await before.close();

    const after = open();

    expect(await after.collection('cases').find()).toEqual([
      { id: 'case-1', version: 2, checkpoint: { 'intake-1': 0, 'referral-1': 2 }, data: { status: 'referred' } },
      { id: 'case-2', version: 1, checkpoint: {}, data: { status: 'open' } },
    ]);
    expect(await after.collection('referrals').get('referral-1')).toMatchObject({ version: 1, data: { partnerId: 'p-1' } });
    expect(await new ProjectionCheckpoints(after).load('cases')).toBe('0042');
  });

  it('given a redelivery after the restart, then it is still skipped', async () => {
    const before = open();
    type Tally = { total: number };
    const tallies = (store: ReadStore) => ({
      documents: store.collection<Tally>('tallies'),
      documentId: () => 'cell-oujda',
      evolve: (current: Tally | null): Tally => ({ total: (current?.total ?? 0) + 1 }),
    });
    const delivery = [{ source: { stream: 'case-1', revision: 0, position: '1' } }];
    await applyBatch(before, tallies(before), 'lane-0', delivery);
    await before.close();

    const after = open();

    expect(await applyBatch(after, tallies(after), 'lane-0', delivery)).toEqual({ applied: 0 });
    expect(await after.collection('tallies').get('cell-oujda')).toMatchObject({ data: { total: 1 } });
  });

  it('given deletes and drops, when reopened, then they stay deleted', async () => {
    const before = open();
    const cases = before.collection('cases');
    const referrals = before.collection('referrals');
    await cases.write('case-1', { status: 'open' }, { expectedVersion: 0 });
    await cases.write('case-2', { status: 'open' }, { expectedVersion: 0 });
    await referrals.write('referral-1', { status: 'sent' }, { expectedVersion: 0 });
    await cases.delete('case-1');
    await referrals.drop();
    await before.close();

    const after = open();

    expect((await after.collection('cases').find()).map((document) => document.id)).toEqual(['case-2']);
    expect(await after.collection('referrals').count()).toBe(0);
  });

  it('given a store holding the file, when a second one opens it, then the second fails instead of diverging', async () => {
    open();

    expect(() => EmbeddedReadStore.open({ file, lockTimeoutMs: 50 })).toThrow('held by another process');
  });

  it('given a file in the configuration, when createReadStore opens it, then what it stores survives a restart', async () => {
    const before = await createReadStore({ kind: 'memory', file });
    await before.collection('cases').write('case-1', { status: 'open' }, { expectedVersion: 0 });
    await before.close();

    const after = await createReadStore({ kind: 'memory', file });

    expect(await after.health()).toMatchObject({ status: 'up', kind: 'memory', details: { file } });
    expect(await after.collection('cases').get('case-1')).toMatchObject({ version: 1, data: { status: 'open' } });
    await after.close();
  });

  it('given collections opened with indexes, then the file holds one index per field, on that collection\'s table', async () => {
    const store = open();
    store.collection('cases', { indexes: ['status', 'cellId'] });
    store.collection('referrals', { indexes: ['status'] });
    await store.close();
    // Reopened with the same declarations, as a restarted service does: nothing to build again.
    const reopened = open();
    reopened.collection('cases', { indexes: ['status', 'cellId'] });
    await reopened.close();

    const db = new Database(file, { readonly: true });
    const indexes = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND name LIKE 'docs:%:field:%' ORDER BY name").all() as {
      name: string;
      sql: string;
    }[];
    db.close();

    expect(indexes.map((index) => index.name)).toEqual(['docs:cases:field:cellId:id', 'docs:cases:field:status:id', 'docs:referrals:field:status:id']);
    expect(indexes[1]!.sql).toContain('ON "docs:cases"');
  });

  it('given many documents sharing a value, when a limited find asks for it, then SQLite walks the index in id order and sorts nothing', async () => {
    const store = open();
    const cases = store.collection<{ status: string }>('cases', { indexes: ['status'] });
    for (let index = 0; index < 50; index++) await cases.write(`case-${String(index).padStart(2, '0')}`, { status: 'open' }, { expectedVersion: 0 });
    expect((await cases.find({ status: 'open' }, { limit: 3 })).map(({ id }) => id)).toEqual(['case-00', 'case-01', 'case-02']);
    await store.close();

    const db = new Database(file, { readonly: true });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT id, version, checkpoint, data FROM "docs:cases" WHERE coalesce(data -> '$."status"', 'null') = ? ORDER BY id LIMIT 3`)
      .all('"open"') as { detail: string }[];
    db.close();
    expect(plan.map(({ detail }) => detail).join('\n')).toMatch(/USING INDEX docs:cases:field:status:id/);
    expect(plan.map(({ detail }) => detail).join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('given a file whose field index is of the first form (the field alone), when the collection is opened, then it is replaced by the (field, id) one', async () => {
    const first = open();
    first.collection('cases');
    await first.close();
    const db = new Database(file);
    db.exec(`CREATE INDEX "docs:cases:field:status" ON "docs:cases" (coalesce(data -> '$."status"', 'null'))`);
    db.close();

    const store = open();
    store.collection('cases', { indexes: ['status'] });
    await store.close();
    const after = new Database(file, { readonly: true });
    const names = (after.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'docs:cases:field:%'").all() as { name: string }[]).map(({ name }) => name);
    after.close();
    expect(names).toEqual(['docs:cases:field:status:id']);
  });

  it('given a file of the first layout (every collection in one table), when opened, then its documents move to a table per collection, and declared indexes are built there', async () => {
    mkdirSync(dirname(file), { recursive: true });
    const first = new Database(file);
    first.exec(`
      CREATE TABLE docs (collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, checkpoint TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (collection, id)) WITHOUT ROWID;
      CREATE INDEX "docs:cases:status" ON docs (coalesce(data -> '$."status"', 'null')) WHERE collection = 'cases';
      INSERT INTO docs VALUES ('cases', 'case-1', 2, '{"intake-1":3}', '{"status":"open"}'), ('cases', 'case-2', 1, '{}', '{"status":"closed"}');`);
    first.close();

    const store = open();
    const cases = store.collection<{ status: string }>('cases', { indexes: ['status'] });

    expect(await cases.get('case-1')).toEqual({ id: 'case-1', version: 2, checkpoint: { 'intake-1': 3 }, data: { status: 'open' } });
    expect(await cases.count({ status: 'closed' })).toBe(1);
    await expect(cases.write('case-2', { status: 'open' }, { expectedVersion: 0 })).resolves.toBe(false);
    await store.close();
    const db = new Database(file, { readonly: true });
    const schema = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'docs%' ORDER BY name").all() as { name: string }[];
    db.close();
    expect(schema.map(({ name }) => name)).toEqual(['docs:cases', 'docs:cases:field:status:id', 'docs:cases:id']);
  });

  it('given a closed store, when used, then it says it is closed', async () => {
    const store = open();
    const cases = store.collection('cases');
    await store.close();

    await expect(cases.get('case-1')).rejects.toThrow('closed');
    expect(() => store.collection('referrals')).toThrow('closed');
    expect(await store.health()).toMatchObject({ status: 'down' });
  });
});
