import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { aRegistrationBody } from '@oriental/intake/testing';
import { fixedClock, issueToken, JsonLogger, loadConfig, ServiceConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { backupDataDir } from '../src/backup';
import { RunningNetwork, startNetwork } from '../src/network';
import { restoreDataDir, RestoreRefused } from '../src/restore';

const repository = resolve(__dirname, '../../..');
const windows = process.platform === 'win32';

/** `npm run restore -- <dir>` as an operator runs it: a process of its own, on the DATA_DIR and master key the environment names. */
const restoreCli = (config: ServiceConfig, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/restore.cli.ts', ...args],
      {
        cwd: repository,
        env: { ...process.env, DATA_DIR: config.dataDir, MASTER_KEY_FILE: config.masterKeyFile, EVENT_STORE: '', KEY_STORE: '', READ_STORE: '', PERSONAL_DATA_MASTER_KEY: '', LOG_LEVEL: 'error' },
        timeout: 120_000,
      },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** Who acts in the script, and who reads the answers compared. */
const CALLERS = {
  oujda: { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' },
  berkane: { role: 'cell_agent', cellId: 'berkane', subject: 'agent:berkane-1' },
  nador: { role: 'cell_agent', cellId: 'nador', subject: 'agent:nador-1' },
  legalAid: { role: 'partner', partnerId: 'legal-aid-oriental', subject: 'partner:legal-aid-1' },
  auditor: { role: 'auditor', subject: 'auditor-1' },
} as const;
type Caller = keyof typeof CALLERS;

const SCRIPT_DAY = '2026-12-01';
const READ_AT = '2026-12-02T08:00:00.000Z';

/**
 * `npm run restore` (issue 9, deliverable 6): a backup of a network that registered, assessed,
 * referred and closed, restored into a new empty DATA_DIR, answers the same reports, journeys
 * and cases at once; a non-empty DATA_DIR, a partial or damaged backup and keys that the master
 * key in use does not open are refused, and nothing is written.
 */
describe('restore of a backup into an empty DATA_DIR', () => {
  const clock = fixedClock(`${SCRIPT_DAY}T09:00:00.000Z`);
  let root: string;
  let config: ServiceConfig;
  let backup: string;
  let network: RunningNetwork | undefined;
  let key = 0;
  const beneficiaries: { id: string; cellId: string }[] = [];
  let answers: Record<string, unknown>;

  const start = async (on: ServiceConfig) => {
    network = await startNetwork(on, { clock, logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
    const tokens = {} as Record<Caller, string>;
    for (const [as, claims] of Object.entries(CALLERS)) tokens[as as Caller] = await issueToken(on, claims);
    const url = (service: string) => network!.urls[service]!;
    return {
      command: (service: string, path: string, body: object, as: Caller) =>
        request(url(service)).post(path).set({ 'Idempotency-Key': `restore-spec-${++key}`, Authorization: `Bearer ${tokens[as]}` }).send(body),
      query: (service: string, path: string, as: Caller = 'auditor') => request(url(service)).get(path).set({ Authorization: `Bearer ${tokens[as]}`, 'X-Purpose': 'audit' }),
    };
  };
  const stop = async () => {
    await network?.stop();
    network = undefined;
  };

  /** The answers compared before the backup and after the restore, read at the same instant. */
  const readAnswers = async ({ query }: Awaited<ReturnType<typeof start>>): Promise<Record<string, unknown>> => {
    clock.set(READ_AT);
    const read: Record<string, unknown> = {};
    const body = async (service: string, path: string, as: Caller = 'auditor') => (read[`${service} ${path} as ${as}`] = (await query(service, path, as).expect(200)).body);
    await body('reporting', '/reports/network');
    await body('reporting', '/reports/referrals');
    await body('reporting', `/reports/referrals?from=${SCRIPT_DAY}&to=${SCRIPT_DAY}&province=oujda-angad`);
    for (const { id } of beneficiaries) await body('reporting', `/journeys/${id}`);
    await body('reporting', `/journeys/${beneficiaries[0]!.id}/state?asOf=${SCRIPT_DAY}T09:30:00Z`);
    await body('referral', `/referrals?partnerId=legal-aid-oriental`, 'legalAid');
    // Personal data, which opens only with the restored keys and the master key kept apart.
    for (const { id, cellId } of beneficiaries.filter(({ cellId }) => cellId === 'oujda')) {
      read[`intake /beneficiaries/${id}`] = (await query('intake', `/beneficiaries/${id}`, cellId as Caller).set('X-Purpose', 'casework').expect(200)).body;
    }
    return read;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'restore-'));
    config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
    const { command, query } = await start(config);
    const api = { command, query };

    // The script: registrations in three cells, needs, referrals declined, accepted and completed, a closure.
    const script: { cellId: Caller & string; category: 'mre' | 'returnee' | 'rpt'; sex: 'female' | 'male'; firstName: string }[] = [
      { cellId: 'oujda', category: 'mre', sex: 'female', firstName: 'Amina' },
      { cellId: 'oujda', category: 'rpt', sex: 'male', firstName: 'Moussa' },
      { cellId: 'nador', category: 'returnee', sex: 'male', firstName: 'Karim' },
      { cellId: 'berkane', category: 'mre', sex: 'female', firstName: 'Salma' },
      { cellId: 'berkane', category: 'returnee', sex: 'female', firstName: 'Nadia' },
    ];
    for (const [index, { cellId, category, sex, firstName }] of script.entries()) {
      clock.set(`${SCRIPT_DAY}T09:0${index}:00.000Z`);
      const registered = await command('intake', '/beneficiaries', aRegistrationBody({ cellId, category, sex, person: { firstName, lastName: 'Restore', phone: '+212600000000' } }), cellId).expect(201);
      beneficiaries.push({ id: registered.body.beneficiaryId, cellId });
    }
    const [amina, moussa, karim] = beneficiaries as [(typeof beneficiaries)[0], (typeof beneficiaries)[0], (typeof beneficiaries)[0]];
    clock.set(`${SCRIPT_DAY}T09:10:00.000Z`);
    for (const { id, cellId } of [amina, moussa, karim]) {
      await command('intake', `/beneficiaries/${id}/needs`, { needs: [{ code: 'legal_aid', priority: 'high' }] }, cellId as Caller).expect(200);
      await eventually(() => query('referral', `/beneficiaries/${id}/case`, cellId as Caller).expect(200));
    }
    const refer = async (id: string, cellId: string) =>
      (await command('referral', '/referrals', { beneficiaryId: id, need: 'legal_aid', partnerId: 'legal-aid-oriental', override: { reason: 'urgent hearing' } }, cellId as Caller).expect(201)).body
        .referralId as string;
    clock.set(`${SCRIPT_DAY}T09:20:00.000Z`);
    const declined = await refer(amina.id, 'oujda');
    const completed = await refer(moussa.id, 'oujda');
    await refer(karim.id, 'nador');
    clock.set(`${SCRIPT_DAY}T09:40:00.000Z`);
    await command('referral', `/referrals/${declined}/decline`, { reason: 'no_capacity' }, 'legalAid').expect(200);
    await command('referral', `/referrals/${completed}/accept`, {}, 'legalAid').expect(200);
    clock.set(`${SCRIPT_DAY}T10:00:00.000Z`);
    await command('referral', `/referrals/${completed}/complete`, { outcome: 'resolved' }, 'legalAid').expect(200);
    await command('intake', `/beneficiaries/${beneficiaries[4]!.id}/close`, { reason: 'resolved' }, 'berkane').expect(200);

    // Every read model has caught up: the reports count the whole script, and stay put.
    await eventually(async () => {
      clock.set(READ_AT);
      const report = (await query('reporting', '/reports/network').expect(200)).body;
      expect(report.beneficiaries.total).toBe(5);
      const referrals = await query('referral', '/referrals?partnerId=legal-aid-oriental', 'legalAid').expect(200);
      expect(JSON.stringify(referrals.body)).toMatch(/completed/);
      const before = await readAnswers(api);
      expect(await readAnswers(api)).toEqual(before);
    });
    answers = await readAnswers(api);

    backup = join(root, 'backup');
    await backupDataDir(config, backup);
    await stop();
  }, 120_000);

  afterAll(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** A new parent directory for one restore, and the config of its DATA_DIR (the backup's master key unless told). */
  let targets = 0;
  const target = (overrides: Record<string, string> = {}) => {
    const parent = join(root, `target-${++targets}`);
    mkdirSync(parent);
    return { parent, config: loadConfig({ DATA_DIR: join(parent, 'data'), MASTER_KEY_FILE: config.masterKeyFile, LOG_LEVEL: 'error', ...overrides }) };
  };
  /** A copy of the backup, changed by `change`. */
  const damaged = (name: string, change: (dir: string) => void): string => {
    const copy = join(root, `backup-${name}`);
    cpSync(backup, copy, { recursive: true });
    change(copy);
    return copy;
  };
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'backup.json'), 'utf8'));
  /** What a backup made before manifests carried sha256 looks like. */
  const withoutSha256 = (dir: string) => {
    const manifest = manifestOf(dir);
    for (const entry of Object.values(manifest.files) as { sha256?: string }[]) delete entry.sha256;
    writeFileSync(join(dir, 'backup.json'), JSON.stringify(manifest, null, 2));
  };
  /** Refused, and nothing left: no DATA_DIR, no staging directory beside it. */
  const expectRefused = async (on: { parent: string; config: ServiceConfig }, from: string, message: RegExp) => {
    await expect(restoreDataDir(on.config, from)).rejects.toThrow(RestoreRefused);
    await expect(restoreDataDir(on.config, from)).rejects.toThrow(message);
    expect(readdirSync(on.parent)).toEqual([]);
  };

  it('restores by `npm run restore -- <backup>`; the restored network answers the same reports, journeys and cases at once', async () => {
    const restored = target();
    const done = await restoreCli(restored.config, backup);
    expect(done).toMatchObject({ code: 0, stderr: '' });
    expect(done.stdout).toMatch(/restored \d+ events and 5 keys \(0 destroyed\)/);
    expect(done.stdout).toMatch(/read models rebuilt/);
    // Only DATA_DIR is left in its parent: the staging directory was renamed into place.
    expect(readdirSync(restored.parent)).toEqual(['data']);
    if (!windows) expect(statSync(restored.config.dataDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(restored.config.dataDir)).toEqual(expect.arrayContaining(['events.sqlite', 'keys.sqlite']));

    const api = await start(restored.config);
    // No waiting: the read models were rebuilt before DATA_DIR was put in place.
    expect(await readAnswers(api)).toEqual(answers);
    await stop();
  }, 120_000);

  it('refuses, by the CLI with exit 2, a DATA_DIR that is not empty, and leaves it as it was', async () => {
    const busy = target();
    mkdirSync(busy.config.dataDir);
    writeFileSync(join(busy.config.dataDir, 'events.sqlite'), 'someone else’s');
    const refused = await restoreCli(busy.config, backup);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/restore refused: DATA_DIR \(.*\) is not empty \(events\.sqlite\)/);
    expect(readdirSync(busy.parent)).toEqual(['data']);
    expect(readdirSync(busy.config.dataDir)).toEqual(['events.sqlite']);
    expect(readFileSync(join(busy.config.dataDir, 'events.sqlite'), 'utf8')).toBe('someone else’s');
    expect((await restoreCli(busy.config)).code).toBe(2);
  }, 60_000);

  it('refuses a partial backup: no manifest, a store missing, a store cut short', async () => {
    await expectRefused(target(), join(root, 'no-such-backup'), /is not a directory/);
    await expectRefused(target(), damaged('no-manifest', (dir) => rmSync(join(dir, 'backup.json'))), /holds no backup\.json/);
    await expectRefused(target(), damaged('no-keys', (dir) => rmSync(join(dir, 'keys.sqlite'))), /keys\.sqlite is missing/);
    await expectRefused(target(), damaged('cut', (dir) => truncateSync(join(dir, 'events.sqlite'), statSync(join(dir, 'events.sqlite')).size - 4096)), /is \d+ bytes, its manifest says \d+/);
  }, 60_000);

  it('refuses a damaged backup: bytes changed (sha256), and in a backup without sha256 an event rewritten (hash chain) or a page broken (integrity check)', async () => {
    const flipped = damaged('flipped', (dir) => {
      const file = join(dir, 'keys.sqlite');
      const bytes = readFileSync(file);
      bytes[bytes.length - 100] ^= 0xff;
      writeFileSync(file, bytes);
    });
    await expectRefused(target(), flipped, /keys\.sqlite's sha256 is not its manifest's/);

    const rewritten = damaged('rewritten', (dir) => {
      const db = new Database(join(dir, 'events.sqlite'));
      db.prepare("UPDATE events SET data = replace(data, '\"mre\"', '\"rpt\"') WHERE position = (SELECT min(position) FROM events WHERE type = 'BeneficiaryRegistered')").run();
      db.close();
      withoutSha256(dir);
    });
    await expectRefused(target(), rewritten, /the hash chain breaks at stream beneficiary-.* revision 0 \(hash-mismatch\)/);

    const broken = damaged('broken-page', (dir) => {
      const file = join(dir, 'events.sqlite');
      const bytes = readFileSync(file);
      // Page 2 onwards: scramble the second page's header and cells, leaving the size as it was.
      const pageSize = bytes.readUInt16BE(16);
      randomBytes(pageSize).copy(bytes, pageSize);
      writeFileSync(file, bytes);
      withoutSha256(dir);
    });
    await expectRefused(target(), broken, /integrity check|does not open|hash chain|not the one the backup made/);
  }, 60_000);

  it('refuses keys that the master key in use does not open, saying how to supply it, and creates no master key', async () => {
    const absent = target({ MASTER_KEY_FILE: join(root, 'absent.master.key') });
    await expectRefused(absent, backup, /no master key is at .*absent\.master\.key and PERSONAL_DATA_MASTER_KEY is not set\. The master key is never in a backup/);
    expect(existsSync(join(root, 'absent.master.key'))).toBe(false);

    const other = join(root, 'other.master.key');
    writeFileSync(other, randomBytes(32).toString('base64'), { mode: 0o600 });
    await expectRefused(target({ MASTER_KEY_FILE: other }), backup, /wrapped by master key [0-9a-f]+, which the master key in use \([0-9a-f]+\) is not.*MASTER_KEY_FILE.*PERSONAL_DATA_MASTER_KEY/);

    // The right key given in the environment instead of a file opens them.
    const fromEnvironment = target({ MASTER_KEY_FILE: join(root, 'absent.master.key'), PERSONAL_DATA_MASTER_KEY: readFileSync(config.masterKeyFile, 'utf8').trim(), READ_STORE: 'memory' });
    await expect(restoreDataDir(fromEnvironment.config, backup)).resolves.toMatchObject({ keys: 5, checkedSha256: true });
    expect(existsSync(join(root, 'absent.master.key'))).toBe(false);
  }, 60_000);

  it('leaves nothing behind when it fails after copying: no DATA_DIR, no staging directory', async () => {
    const interrupted = target();
    const crash = (message: string) => {
      if (message.startsWith('rebuilding')) throw new Error('power cut');
    };
    await expect(restoreDataDir(interrupted.config, backup, { onStep: crash })).rejects.toThrow('power cut');
    expect(readdirSync(interrupted.parent)).toEqual([]);
  }, 60_000);

  it('restores a backup made before manifests carried sha256, on its sizes and the other checks, into an existing empty DATA_DIR', async () => {
    const older = damaged('older', withoutSha256);
    const restored = target();
    mkdirSync(restored.config.dataDir, { mode: 0o700 });
    const report = await restoreDataDir(restored.config, older);
    expect(report).toMatchObject({ keys: 5, destroyed: 0, checkedSha256: false, files: ['events.sqlite', 'capacity-building-keys.sqlite', 'keys.sqlite'] });
    expect(report.readModels).toEqual(expect.arrayContaining(['network-report', 'referral-report']));
    expect(readdirSync(restored.parent)).toEqual(['data']);
  }, 60_000);
});
