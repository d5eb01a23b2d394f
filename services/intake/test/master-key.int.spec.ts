import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, ServiceConfig, startService } from '@oriental/service-kit';
import request from 'supertest';
import { intakeService } from '../src/intake.service';
import { loadMasterKey } from '@oriental/personal-data';
import { aRegistrationBody } from '../src/testing';

const windows = process.platform === 'win32';
const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));

/** An Oujda cell agent's bearer header, of the issuer whose key sits under this config's DATA_DIR. */
const agentOf = async (config: ServiceConfig): Promise<string> => `Bearer ${await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' })}`;
const register = async (service: RunningService, config: ServiceConfig): Promise<string> =>
  (await request(service.url).post('/beneficiaries').set('Authorization', await agentOf(config)).set('Idempotency-Key', `master-key-spec-${Date.now()}`).send(aRegistrationBody()).expect(201)).body.beneficiaryId;
/** The answer to a GET of the case (the request runs: it is awaited here). */
const read = async (service: RunningService, config: ServiceConfig, beneficiaryId: string): Promise<request.Response> =>
  request(service.url).get(`/beneficiaries/${beneficiaryId}`).set('Authorization', await agentOf(config)).set('X-Purpose', 'casework');

const startIntake = async (config: ServiceConfig): Promise<RunningService> =>
  startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), port: 0, logger: new JsonLogger('intake', 'error') });

/**
 * Issue 7, defect 4: the embedded run kept the master key inside DATA_DIR, beside the wrapped
 * keys it protects, so a copy of DATA_DIR alone opened every person. ADR 0010.
 */
describe('the personal-data master key of the embedded run', () => {
  // Each spec's data dir sits in a temp root of its own, and so does its key (`<DATA_DIR>.master.key`).
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'master-key-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('on a fresh start', () => {
    it('keeps the key outside DATA_DIR, owner-only, and a copy of DATA_DIR alone opens nobody', async () => {
      const config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
      let service = await startIntake(config);
      const beneficiaryId = await register(service, config);
      await service.stop();

      expect(config.masterKeyFile).toBe(join(root, 'data.master.key'));
      const key = readFileSync(config.masterKeyFile, 'utf8').trim();
      expect(Buffer.from(key, 'base64')).toHaveLength(32);
      if (!windows) expect(modeOf(config.masterKeyFile)).toBe(0o600);
      const raw = Buffer.from(key, 'base64');
      for (const file of filesUnder(config.dataDir)) {
        const content = readFileSync(file);
        expect(content.includes(key) || content.includes(raw)).toBe(false);
      }

      // The copy, started on its own, makes a key of its own: the people in it stay sealed, even
      // to a caller the copy lets in (its token issuer's key came along in the copy).
      const copy = loadConfig({ DATA_DIR: join(root, 'elsewhere', 'data'), LOG_LEVEL: 'error' });
      cpSync(config.dataDir, copy.dataDir, { recursive: true });
      service = await startIntake(copy);
      const stolen = await read(service, copy, beneficiaryId);
      await service.stop();
      expect([401, 403]).not.toContain(stolen.status); // the caller got in: the seal, not the token, keeps them out
      expect(JSON.stringify(stolen.body)).not.toMatch(/Amina|Benali|212600000000/);

      // The original, with its key, still opens them: the check above can fail.
      service = await startIntake(config);
      const owned = await read(service, config, beneficiaryId);
      await service.stop();
      expect(owned.status).toBe(200);
      expect(owned.body).toMatchObject({ person: { firstName: 'Amina', lastName: 'Benali' } });
    });

    it('takes the key from MASTER_KEY_FILE when set, and refuses one inside DATA_DIR', () => {
      const file = join(root, 'keys', 'mine.key');
      const config = loadConfig({ DATA_DIR: join(root, 'data'), MASTER_KEY_FILE: file });
      expect(loadMasterKey(config)).toEqual(Buffer.from(readFileSync(file, 'utf8'), 'base64'));
      expect(() => loadConfig({ DATA_DIR: join(root, 'data'), MASTER_KEY_FILE: join(root, 'data', 'k.key') })).toThrow(ConfigurationError);
    });

    it('takes the key from PERSONAL_DATA_MASTER_KEY when set, and writes no file', () => {
      const key = randomBytes(32);
      const config = loadConfig({ DATA_DIR: join(root, 'data'), PERSONAL_DATA_MASTER_KEY: key.toString('base64') });
      expect(loadMasterKey(config)).toEqual(key);
      expect(existsSync(config.masterKeyFile)).toBe(false);
    });
  });

  describe('on a data dir made by an earlier version (key inside DATA_DIR)', () => {
    const oldLayout = () => {
      const config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
      const key = randomBytes(32);
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(join(config.dataDir, 'personal-data.master.key'), key.toString('base64'), { mode: 0o644 });
      return { config, key };
    };

    it('moves the key out once, owner-only, and leaves no copy inside', () => {
      const { config, key } = oldLayout();

      expect(loadMasterKey(config)).toEqual(key);
      expect(existsSync(join(config.dataDir, 'personal-data.master.key'))).toBe(false);
      expect(readFileSync(config.masterKeyFile, 'utf8').trim()).toBe(key.toString('base64'));
      if (!windows) expect(modeOf(config.masterKeyFile)).toBe(0o600);
      expect(loadMasterKey(config)).toEqual(key);
    });

    it('keeps opening the people it registered', async () => {
      const { config } = oldLayout();
      let service = await startIntake(config);
      const beneficiaryId = await register(service, config);
      await service.stop();
      service = await startIntake(config);
      const answer = await read(service, config, beneficiaryId);
      await service.stop();
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ person: { firstName: 'Amina' } });
      expect(filesUnder(config.dataDir).map((file) => file.endsWith('.key'))).not.toContain(true);
    });

    it('refuses to choose when the key outside differs from the one inside', () => {
      const { config } = oldLayout();
      writeFileSync(config.masterKeyFile, randomBytes(32).toString('base64'));
      expect(() => loadMasterKey(config)).toThrow(/hold different master keys/);
      expect(existsSync(join(config.dataDir, 'personal-data.master.key'))).toBe(true);
    });
  });
});
