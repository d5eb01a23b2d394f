import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, JsonLogger, loadConfig, ServiceConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { BackupRefused, backupDataDir } from '../src/backup';
import { rebuildNetworkReadModels, RunningNetwork, startNetwork } from '../src/network';

const repository = resolve(__dirname, '../../..');
const windows = process.platform === 'win32';

/** `npm run backup -- <dir>` as an operator runs it: a process of its own, on the DATA_DIR the environment names. */
const backupCli = (config: ServiceConfig, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/backup.cli.ts', ...args],
      { cwd: repository, env: { ...process.env, DATA_DIR: config.dataDir, MASTER_KEY_FILE: config.masterKeyFile, EVENT_STORE: '', KEY_STORE: '', LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** The beneficiaries a copy of the event store registered, and the ids of the active keys a copy of the key store holds. */
const registeredIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT stream FROM events WHERE type = 'BeneficiaryRegistered' ORDER BY position").all() as { stream: string }[]).map(({ stream }) => stream.slice('beneficiary-'.length));
  } finally {
    db.close();
  }
};
const activeKeysIn = (file: string): Set<string> => {
  const db = new Database(file, { readonly: true });
  try {
    return new Set((db.prepare('SELECT id FROM data_keys WHERE destroyed_at IS NULL').all() as { id: string }[]).map(({ id }) => id));
  } finally {
    db.close();
  }
};

/**
 * `npm run backup` (issue 7, ADR 0012): the event store and the key store copied with SQLite's
 * online backup while the network appends, consistent with each other, without the master key;
 * a data dir restored from it opens and reads every person it holds.
 */
describe('backup of the embedded stores', () => {
  let root: string;
  let config: ServiceConfig;
  let network: RunningNetwork | undefined;
  const start = async (on: ServiceConfig) =>
    (network = await startNetwork(on, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } }));

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'backup-'));
    config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('copies the stores while registrations are appended; the copy restores and reads every person it holds, participants included', async () => {
    await start(config);
    const agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    let registered = 0;
    let writing = true;
    const register = async (ordinal: number) =>
      request(network!.urls.intake!)
        .post('/beneficiaries')
        .set('Authorization', `Bearer ${agent}`)
        .set('Idempotency-Key', `backup-spec-${ordinal}`)
        .send(aRegistrationBody({ person: { firstName: `Person${ordinal}`, lastName: 'Backup', phone: '+212600000000' } }))
        .expect(201);
    // A participant of capacity building, whose names are sealed with a key of capacity building's own store.
    const trainer = await issueToken(config, { role: 'trainer', subject: 'trainer:oujda-1' });
    const participant = (
      await request(network!.urls['capacity-building']!)
        .post('/participants')
        .set({ Authorization: `Bearer ${trainer}`, 'Idempotency-Key': 'backup-spec-participant' })
        .send({ actorType: 'cell_officer', organisation: 'Cellule d’Oujda', commune: 'oujda', sex: 'female', names: { firstName: 'Samira', lastName: 'El Amrani' } })
        .expect(201)
    ).body.participantId as string;
    // Two writers keep appending (and storing new keys) until told to stop.
    const writers = [0, 1].map(async (writer) => {
      for (let ordinal = writer; writing; ordinal += 2) {
        await register(ordinal);
        registered++;
      }
    });
    await eventually(async () => expect(registered).toBeGreaterThanOrEqual(10));

    const before = registered;
    const manifest = await backupDataDir(config, join(root, 'backup'));
    const during = registered - before;
    await eventually(async () => expect(registered).toBeGreaterThanOrEqual(before + during + 10));
    writing = false;
    await Promise.all(writers);
    await network!.stop();
    network = undefined;

    const backup = join(root, 'backup');
    expect(readdirSync(backup).sort()).toEqual(['backup.json', 'capacity-building-keys.sqlite', 'events.sqlite', 'keys.sqlite']);
    if (!windows) {
      expect(statSync(backup).mode & 0o777).toBe(0o700);
      for (const file of readdirSync(backup)) expect(statSync(join(backup, file)).mode & 0o777).toBe(0o600);
    }
    expect(JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8'))).toEqual(manifest);
    expect(manifest.masterKey).toEqual({ location: config.masterKeyFile, inBackup: false });

    // A cut of the log taken while it grew: neither empty nor all of it, and every registration in it has its key.
    const copied = registeredIn(join(backup, 'events.sqlite'));
    const all = registeredIn(join(config.dataDir, 'events.sqlite'));
    expect(copied.length).toBeGreaterThanOrEqual(before);
    expect(copied.length).toBeLessThan(all.length);
    expect(all.slice(0, copied.length)).toEqual(copied);
    const keys = activeKeysIn(join(backup, 'keys.sqlite'));
    expect(copied.filter((id) => !keys.has(id))).toEqual([]);
    expect(manifest.files['events.sqlite'].events).toBeGreaterThanOrEqual(copied.length);

    // The master key is nowhere in the backup, neither as text nor as bytes.
    const masterKey = readFileSync(config.masterKeyFile, 'utf8').trim();
    for (const file of readdirSync(backup)) {
      const content = readFileSync(join(backup, file));
      expect(content.includes(masterKey) || content.includes(Buffer.from(masterKey, 'base64'))).toBe(false);
    }

    // Restore: the store files in an empty DATA_DIR, the master key kept apart, read models rebuilt.
    const restored = loadConfig({ DATA_DIR: join(root, 'restored'), MASTER_KEY_FILE: config.masterKeyFile, LOG_LEVEL: 'error' });
    mkdirSync(restored.dataDir, { recursive: true, mode: 0o700 });
    for (const file of ['events.sqlite', 'keys.sqlite', 'capacity-building-keys.sqlite']) copyFileSync(join(backup, file), join(restored.dataDir, file));
    await rebuildNetworkReadModels(restored);
    await start(restored);
    const reader = await issueToken(restored, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    for (const id of copied) {
      const answer = await request(network!.urls.intake!).get(`/beneficiaries/${id}`).set('Authorization', `Bearer ${reader}`).set('X-Purpose', 'casework').expect(200);
      expect(answer.body).toMatchObject({ personalData: 'present', person: { lastName: 'Backup' } });
    }
    const auditor = await issueToken(restored, { role: 'auditor', subject: 'auditor:1' });
    const report = await request(network!.urls.reporting!).get('/reports/network').set('Authorization', `Bearer ${auditor}`).expect(200);
    expect(report.body.beneficiaries.total).toBe(copied.length);
    const restoredTrainer = await issueToken(restored, { role: 'trainer', subject: 'trainer:oujda-1' });
    const trained = await request(network!.urls['capacity-building']!).get(`/participants/${participant}`).set('Authorization', `Bearer ${restoredTrainer}`).expect(200);
    expect(trained.body.names).toEqual({ firstName: 'Samira', lastName: 'El Amrani' });
    await network!.stop();
    network = undefined;
  }, 60_000);

  it('runs as `npm run backup -- <dir>`, says where the master key is, and refuses a target inside DATA_DIR or not empty', async () => {
    const target = join(root, 'by-cli');
    const done = await backupCli(config, target);
    expect(done).toMatchObject({ code: 0 });
    expect(done.stdout).toMatch(/backed up \d+ events and \d+ keys/);
    expect(done.stdout).toContain(`the master key is not in it: it is at ${config.masterKeyFile}`);
    expect(readdirSync(target).sort()).toEqual(['backup.json', 'capacity-building-keys.sqlite', 'events.sqlite', 'keys.sqlite']);

    const again = await backupCli(config, target);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty/);
    expect((await backupCli(config)).code).toBe(2);
    await expect(backupDataDir(config, join(config.dataDir, 'backups'))).rejects.toBeInstanceOf(BackupRefused);
    await expect(backupDataDir({ ...config, KEY_STORE: 'mongodb' }, join(root, 'elsewhere'))).rejects.toThrow(/mongodump/);
  }, 60_000);
});
