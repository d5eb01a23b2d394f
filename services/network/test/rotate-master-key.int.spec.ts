import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { rotateMasterKey } from '@oriental/intake';
import { aRegistrationBody, loadMasterKeyring, MasterKeyring } from '@oriental/intake/testing';
import { SqliteKeyStore } from '@oriental/key-store';
import { issueToken, JsonLogger, loadConfig, ServiceConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { rebuildNetworkReadModels, RunningNetwork, startNetwork } from '../src/network';

const repository = resolve(__dirname, '../../..');

const rotateCli = (config: ServiceConfig): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/rotate-master-key.cli.ts'],
      { cwd: repository, env: { ...process.env, DATA_DIR: config.dataDir, MASTER_KEY_FILE: config.masterKeyFile, PERSONAL_DATA_MASTER_KEY: '', LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** The stored bytes of every event, in log order: a rotation must not change one. */
const storedEvents = (config: ServiceConfig): string[] => {
  const db = new Database(join(config.dataDir, 'events.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT data FROM events ORDER BY position').all() as { data: string }[]).map(({ data }) => data);
  } finally {
    db.close();
  }
};

const keyCounts = async (config: ServiceConfig) => {
  const keys = new SqliteKeyStore(join(config.dataDir, 'keys.sqlite'));
  try {
    return await keys.counts();
  } finally {
    await keys.close();
  }
};

/**
 * `npm run rotate-master-key` (issue 7, ADR 0012): every data key rewrapped with a new master
 * key, no event re-encrypted; a rotation cut short leaves a store that opens; the duplicate index
 * follows the new key. Also: the key store is out of reach of the read-model tooling.
 */
describe('master key rotation', () => {
  let root: string;
  let config: ServiceConfig;
  let network: RunningNetwork | undefined;
  const tokens: Record<string, string> = {};
  const start = async () => {
    network = await startNetwork(config, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
    tokens.agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    tokens.supervisor = await issueToken(config, { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda-1' });
  };
  const stop = async () => {
    await network?.stop();
    network = undefined;
  };
  const headers = (who = 'agent') => ({ Authorization: `Bearer ${tokens[who]}`, 'X-Purpose': 'casework' });
  let ordinal = 0;
  const register = async (person: { firstName: string; lastName: string; phone?: string }) =>
    (await request(network!.urls.intake!).post('/beneficiaries').set(headers()).set('Idempotency-Key', `rotation-${ordinal++}-${Date.now()}`).send(aRegistrationBody({ person })).expect(201)).body as {
      beneficiaryId: string;
      possibleDuplicates: { beneficiaryId: string }[];
    };
  const person = async (id: string) => (await request(network!.urls.intake!).get(`/beneficiaries/${id}`).set(headers()).expect(200)).body.person;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rotation-'));
    config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
  });

  afterEach(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('rewraps every key with a new master key and re-encrypts no event; people still read, the old key opens nothing, duplicates are still found', async () => {
    await start();
    const amina = await register({ firstName: 'Amina', lastName: 'Benali', phone: '+212600000001' });
    const karim = await register({ firstName: 'Karim', lastName: 'Ziani', phone: '+212600000002' });
    const erased = await register({ firstName: 'Gone', lastName: 'Person' });
    await request(network!.urls.intake!).post(`/beneficiaries/${erased.beneficiaryId}/erasure`).set(headers('supervisor')).set('Idempotency-Key', `erase-${Date.now()}`).send({ reason: 'person_request' }).expect(200);
    await stop();
    const oldKeyring = loadMasterKeyring(config);
    const events = storedEvents(config);
    expect(await keyCounts(config)).toEqual({ byMasterKey: { [oldKeyring.current.id]: 2 }, destroyed: 1 });

    const lines: string[] = [];
    const report = await rotateMasterKey(config, (line) => lines.push(line));

    const newKeyring = loadMasterKeyring(config);
    expect(newKeyring.current.id).not.toBe(oldKeyring.current.id);
    expect(newKeyring.previous).toEqual([]);
    expect(report).toMatchObject({ masterKeyId: newKeyring.current.id, rewrapped: 2, finished: true, retired: [], unheld: 0, keys: { [newKeyring.current.id]: 2 } });
    expect(existsSync(`${config.masterKeyFile}.previous`)).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['data', 'data.master.key']);
    expect(lines.join('\n')).toMatch(/new master key written to/);
    expect(storedEvents(config)).toEqual(events);
    expect(await keyCounts(config)).toEqual({ byMasterKey: { [newKeyring.current.id]: 2 }, destroyed: 1 });

    await start();
    expect(await person(amina.beneficiaryId)).toMatchObject({ firstName: 'Amina' });
    expect(await person(karim.beneficiaryId)).toMatchObject({ firstName: 'Karim' });
    expect(await person(erased.beneficiaryId)).toBeNull();
    // The duplicate index is rebuilt under the key derived from the new master key.
    await eventually(async () => {
      const again = await register({ firstName: 'Someone', lastName: 'Else', phone: '+212600000001' });
      expect(again.possibleDuplicates.map((candidate) => candidate.beneficiaryId)).toContain(amina.beneficiaryId);
    });
    await stop();

    // The old master key alone opens no key any more.
    const keys = new SqliteKeyStore(join(config.dataDir, 'keys.sqlite'));
    const stored = await keys.get(amina.beneficiaryId);
    await keys.close();
    if (stored?.status !== 'active') throw new Error('expected an active key');
    expect(stored.wrapped.masterKeyId).toBe(newKeyring.current.id);
    expect(() => oldKeyring.unwrap(amina.beneficiaryId, { ...stored.wrapped, masterKeyId: oldKeyring.current.id })).toThrow();
  }, 60_000);

  it('rewraps capacity building’s key store too, before it retires the old key: participants’ names still open', async () => {
    await start();
    const amina = await register({ firstName: 'Amina', lastName: 'Benali' });
    const trainer = await issueToken(config, { role: 'trainer', subject: 'trainer:oujda-1' });
    const participant = (
      await request(network!.urls['capacity-building']!)
        .post('/participants')
        .set({ Authorization: `Bearer ${trainer}`, 'Idempotency-Key': `rotation-participant-${Date.now()}` })
        .send({ actorType: 'cell_officer', organisation: 'Cellule d’Oujda', commune: 'oujda', sex: 'female', names: { firstName: 'Samira', lastName: 'El Amrani' } })
        .expect(201)
    ).body.participantId as string;
    await stop();
    const oldId = loadMasterKeyring(config).current.id;

    const report = await rotateMasterKey(config);

    const newId = loadMasterKeyring(config).current.id;
    expect(report).toMatchObject({ rewrapped: 2, finished: true, keys: { [newId]: 2 }, byOwner: { intake: { [newId]: 1 }, 'capacity-building': { [newId]: 1 } } });
    expect(report.keys[oldId]).toBeUndefined();
    expect(existsSync(`${config.masterKeyFile}.previous`)).toBe(false);
    await start();
    expect(await person(amina.beneficiaryId)).toMatchObject({ firstName: 'Amina' });
    const read = await request(network!.urls['capacity-building']!).get(`/participants/${participant}`).set('Authorization', `Bearer ${trainer}`).expect(200);
    expect(read.body.names).toEqual({ firstName: 'Samira', lastName: 'El Amrani' });
  }, 60_000);

  it('cut short after the new key was written and one key rewrapped, leaves a store where everyone reads, and finishes when run again', async () => {
    await start();
    const ids = [];
    for (let index = 0; index < 4; index++) ids.push((await register({ firstName: `P${index}`, lastName: 'Crash' })).beneficiaryId);
    await stop();
    const oldKey = readFileSync(config.masterKeyFile, 'utf8').trim();

    // What a crash leaves: the new key current, the old one kept beside it, one key rewrapped.
    const newKey = randomBytes(32).toString('base64');
    writeFileSync(`${config.masterKeyFile}.previous`, oldKey, { mode: 0o600 });
    writeFileSync(config.masterKeyFile, newKey, { mode: 0o600 });
    const keyring = MasterKeyring.of(Buffer.from(newKey, 'base64'), [Buffer.from(oldKey, 'base64')]);
    const keys = new SqliteKeyStore(join(config.dataDir, 'keys.sqlite'));
    const first = await keys.get(ids[0]!);
    if (first?.status !== 'active') throw new Error('expected an active key');
    expect(await keys.rewrap(ids[0]!, first.wrapped.masterKeyId, keyring.wrap(ids[0]!, keyring.unwrap(ids[0]!, first.wrapped)))).toBe(true);
    expect(Object.values((await keys.counts()).byMasterKey).sort()).toEqual([1, 3]);
    await keys.close();

    await start();
    for (const [index, id] of ids.entries()) expect(await person(id)).toMatchObject({ firstName: `P${index}` });
    const newcomer = await register({ firstName: 'New', lastName: 'Comer' });
    await stop();

    const report = await rotateMasterKey(config);

    expect(report).toMatchObject({ finished: true, rewrapped: 3, masterKeyId: keyring.current.id, keys: { [keyring.current.id]: 5 } });
    expect(readFileSync(config.masterKeyFile, 'utf8').trim()).toBe(newKey);
    expect(existsSync(`${config.masterKeyFile}.previous`)).toBe(false);
    await start();
    for (const id of [...ids, newcomer.beneficiaryId]) expect(await person(id)).not.toBeNull();
  }, 60_000);

  it('in the distributed way (keys from the environment): services hold both keys meanwhile, then the new one alone reads everyone', async () => {
    const [oldKey, newKey] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    const withKeys = (current: string, previous = '') =>
      loadConfig({ DATA_DIR: config.dataDir, LOG_LEVEL: 'error', PERSONAL_DATA_MASTER_KEY: current, PERSONAL_DATA_PREVIOUS_MASTER_KEYS: previous });
    config = withKeys(oldKey);
    await start();
    const before = await register({ firstName: 'Before', lastName: 'Rotation' });
    await stop();

    config = withKeys(newKey, oldKey);
    await start();
    expect(await person(before.beneficiaryId)).toMatchObject({ firstName: 'Before' });
    const during = await register({ firstName: 'During', lastName: 'Rotation' });
    await stop();
    const report = await rotateMasterKey(config);
    expect(report).toMatchObject({ finished: true, rewrapped: 1, keys: { [MasterKeyring.of(Buffer.from(newKey, 'base64')).current.id]: 2 } });

    config = withKeys(newKey);
    await start();
    expect(await person(before.beneficiaryId)).toMatchObject({ firstName: 'Before' });
    expect(await person(during.beneficiaryId)).toMatchObject({ firstName: 'During' });
    expect(existsSync(config.masterKeyFile)).toBe(false);
  }, 60_000);

  it('refuses to run while the network runs on the data dir', async () => {
    await start();
    const before = readFileSync(config.masterKeyFile, 'utf8');
    await expect(rotateMasterKey(config)).rejects.toThrow(/stop the network first/);
    expect(readFileSync(config.masterKeyFile, 'utf8')).toBe(before);
    expect(existsSync(`${config.masterKeyFile}.previous`)).toBe(false);
  }, 30_000);

  it('runs as `npm run rotate-master-key`', async () => {
    await start();
    const { beneficiaryId } = await register({ firstName: 'Cli', lastName: 'Run' });
    await stop();
    const before = loadMasterKeyring(config).current.id;

    const run = await rotateCli(config);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/done: every key is under master key [0-9a-f]{16}/);
    expect(loadMasterKeyring(config).current.id).not.toBe(before);
    await start();
    expect(await person(beneficiaryId)).toMatchObject({ firstName: 'Cli' });
  }, 60_000);

  it('is out of reach of the read-model tooling: a rebuild, or read-model files lost, leave every key', async () => {
    await start();
    const { beneficiaryId } = await register({ firstName: 'Kept', lastName: 'Key' });
    await stop();
    const counts = await keyCounts(config);

    await rebuildNetworkReadModels(config);
    for (const file of readdirSync(config.dataDir).filter((name) => name.includes('read-models'))) unlinkSync(join(config.dataDir, file));

    expect(await keyCounts(config)).toEqual(counts);
    await start();
    expect(await person(beneficiaryId)).toMatchObject({ firstName: 'Kept' });
  }, 60_000);
});
