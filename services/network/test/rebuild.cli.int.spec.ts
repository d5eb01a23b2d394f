import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { issueToken, JsonLogger, loadConfig, openReadStore, TokenRequest } from '@oriental/service-kit';
import { describeWithInfra, eventually } from '@oriental/testing';
import request from 'supertest';
import { networkServices, RunningNetwork, startNetwork } from '../src/network';

const root = resolve(__dirname, '../../..');

/** `npm run rebuild -- …` as an operator runs it: a process of its own, on the stores `env` names. */
const rebuild = (env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/rebuild.ts', ...args],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'error', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

const CALLERS = {
  oujda: { role: 'cell_agent', cellId: 'oujda' },
  nador: { role: 'cell_agent', cellId: 'nador' },
  auditor: { role: 'auditor' },
} satisfies Record<string, TokenRequest>;
const REPORTS = ['network', 'needs', 'follow-ups', 'transfers', 'referrals', 'training'];

/** Empties the read models named (every one when none), so that only a rebuild can give their figures back. */
const emptyReadModels = async (env: Record<string, string>, names?: string[]) => {
  const config = loadConfig({ ...env, LOG_LEVEL: 'error' });
  for (const definition of networkServices.filter((service) => service.readModels)) {
    const store = await openReadStore(config, definition.name);
    for (const model of definition.readModels!(store, config)) if (!names || names.includes(model.name)) for (const collection of model.collections) await collection.drop();
    await store.close();
  }
};

/**
 * The network on the stores `env` names: a few registrations at two cells and a referral, through
 * the APIs; answers every report once the read models have caught up, and stops.
 */
const runScript = async (env: Record<string, string>): Promise<{ reports: unknown[]; readReports: () => Promise<unknown[]> }> => {
  const config = loadConfig({ ...env, LOG_LEVEL: 'error' });
  const tokens = Object.fromEntries(await Promise.all(Object.entries(CALLERS).map(async ([name, caller]) => [name, await issueToken(config, caller)]))) as Record<keyof typeof CALLERS, string>;
  const readReports = async () => {
    const network = await startNetwork(config, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
    try {
      return await Promise.all(REPORTS.map(async (indicator) => (await request(network.urls.reporting!).get(`/reports/${indicator}`).set('Authorization', `Bearer ${tokens.auditor}`).expect(200)).body));
    } finally {
      await network.stop();
    }
  };
  const network: RunningNetwork = await startNetwork(config, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
  try {
    const command = (service: string, path: string, as: keyof typeof CALLERS, body: object) =>
      request(network.urls[service]!).post(path).set({ Authorization: `Bearer ${tokens[as]}`, 'Idempotency-Key': randomUUID() }).send(body);
    const ids: string[] = [];
    for (const [index, cellId] of (['oujda', 'oujda', 'nador'] as const).entries()) {
      const registered = await command('intake', '/beneficiaries', cellId, {
        cellId,
        category: (['mre', 'rpt', 'returnee'] as const)[index],
        sex: 'female',
        birthYear: 1980 + index,
        nationality: 'MA',
        consent: { services: true, sharing: true, statistics: true },
        person: { firstName: 'Amina', lastName: `Benali${index}` },
      }).expect(201);
      ids.push(registered.body.beneficiaryId);
    }
    await command('intake', `/beneficiaries/${ids[0]}/needs`, 'oujda', { needs: [{ code: 'health', priority: 'high' }] }).expect(200);
    await eventually(() => request(network.urls.referral!).get(`/beneficiaries/${ids[0]}/case`).set('Authorization', `Bearer ${tokens.oujda}`).expect(200));
    await command('referral', '/referrals', 'oujda', { beneficiaryId: ids[0], need: 'health', partnerId: 'chr-al-farabi' }).expect(201);
    await eventually(async () => {
      const reports = await Promise.all(['network', 'referrals'].map(async (indicator) => (await request(network.urls.reporting!).get(`/reports/${indicator}`).set('Authorization', `Bearer ${tokens.auditor}`).expect(200)).body));
      expect([reports[0].beneficiaries.total, reports[1].referrals.total]).toEqual([3, 1]);
    });
  } finally {
    await network.stop();
  }
  return { reports: await readReports(), readReports };
};

describe('npm run rebuild', () => {
  jest.setTimeout(180_000);

  describe('on the embedded stores under DATA_DIR, the network stopped', () => {
    let dataDir: string;
    let env: Record<string, string>;
    let script: Awaited<ReturnType<typeof runScript>>;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'rebuild-cli-'));
      env = { DATA_DIR: dataDir, EVENT_STORE: 'sqlite', READ_STORE: 'memory', BUS: 'memory' };
      script = await runScript(env);
    });

    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('refuses a name no service has, no name, and a name with --all: exit 2, listing the read models', async () => {
      const cases = [['network-reprot'], [], ['--all', 'network-report'], ['--everything']];
      const answers = await Promise.all(cases.map((args) => rebuild(env, ...args)));
      for (const [index, refused] of answers.entries()) {
        expect({ args: cases[index], code: refused.code }).toEqual({ args: cases[index], code: 2 });
        expect(refused.stderr).toMatch(/Read models: intake-case-follow-ups, intake-closed-cases, .*network-report, referral-report, training-report/);
      }
      expect(answers[0]!.stderr).toMatch(/^no read model named network-reprot/);
    });

    it('rebuilds the read models named, and leaves the reports as they were', async () => {
      await emptyReadModels(env, ['network-report', 'referral-report']);
      const rebuilt = await rebuild(env, 'network-report', 'referral-report');
      expect(rebuilt).toMatchObject({ code: 0, stderr: '' });
      expect(rebuilt.stdout).toMatch(/^rebuilt network-report, referral-report: \d+ events replayed/m);
      expect(await script.readReports()).toEqual(script.reports);
    });

    it('rebuilds every read model with --all, and leaves the reports as they were', async () => {
      await emptyReadModels(env);
      const rebuilt = await rebuild(env, '--all');
      expect(rebuilt.code).toBe(0);
      expect(rebuilt.stdout).toMatch(/^rebuilt intake-case-follow-ups, .*, training-report: \d+ events replayed/m);
      expect(await script.readReports()).toEqual(script.reports);
    });

    it('refuses a DATA_DIR without an event store (a typo would rebuild from nothing): exit 1', async () => {
      const missing = await rebuild({ ...env, DATA_DIR: join(dataDir, 'no-such-dir') }, '--all');
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no event store at .*events\.sqlite/);
    });
  });

  describeWithInfra('mongodb', 'on MongoDB read stores, the consumers stopped', (uri) => {
    let dataDir: string;
    let env: Record<string, string>;
    let script: Awaited<ReturnType<typeof runScript>>;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'rebuild-cli-mongo-'));
      env = { DATA_DIR: dataDir, EVENT_STORE: 'sqlite', READ_STORE: 'mongodb', MONGODB_URI: uri, MONGODB_DB: `rebuild-${randomUUID().slice(0, 8)}`, BUS: 'memory' };
      script = await runScript(env);
    });

    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('rebuilds every read model with --all, and leaves the reports as they were', async () => {
      await emptyReadModels(env);
      const rebuilt = await rebuild(env, '--all');
      expect({ code: rebuilt.code, stderr: rebuilt.stderr }).toEqual({ code: 0, stderr: '' });
      expect(await script.readReports()).toEqual(script.reports);
    });
  });
});
