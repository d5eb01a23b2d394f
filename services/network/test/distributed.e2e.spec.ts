import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, loadConfig } from '@oriental/service-kit';
import { ServiceProcess, describeWithInfra, eventually, freePort, startServiceProcess, stopGracefully } from '@oriental/testing';

const CELLS = ['driouch', 'nador', 'berkane', 'oujda', 'guercif', 'figuig'] as const;

const registration = (i: number) =>
  aRegistrationBody({
    cellId: CELLS[i % 6]!,
    category: (['mre', 'returnee', 'rpt'] as const)[i % 3]!,
    sex: i % 2 ? 'male' : 'female',
    birthYear: 1950 + (i % 60),
    nationality: i % 3 === 2 ? 'SN' : 'MA',
    consent: { services: true, sharing: i % 2 === 0, statistics: true },
    person: { firstName: `Person${i}`, lastName: 'Test' },
  });

/**
 * The distributed mode over real servers: intake and reporting as separate processes, Kafka
 * between them, MongoDB-compatible read models, SQLite log shared on disk. The process that
 * forwards (intake) is killed with SIGKILL in the middle of the run: nothing may be lost and
 * nothing counted twice.
 */
describeWithInfra('kafka', 'distributed intake → Kafka → reporting (e2e)', (brokers) => {
  describeWithInfra('mongodb', 'with MongoDB read models', (mongoUri) => {
    jest.setTimeout(240_000);
    const run = `e2e${Date.now()}${randomBytes(3).toString('hex')}`;
    let dataDir: string;
    let env: Record<string, string>;
    let intake: ServiceProcess | undefined;
    let reporting: ServiceProcess | undefined;
    let intakePort: number;
    let logFile: string;
    /** Bearer tokens of the issuer under DATA_DIR, which both processes verify with: each cell's agent, and an auditor. */
    const agents: Record<string, string> = {};
    let auditor: string;

    /** Like a cell frontend: retries with the same Idempotency-Key until it gets its 201. */
    const register = async (i: number): Promise<string> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(`${intake!.url}/beneficiaries`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `${run}-registration-${i}`, authorization: `Bearer ${agents[CELLS[i % 6]!]}` },
            body: JSON.stringify(registration(i)),
          });
          if (response.status === 201) return ((await response.json()) as { beneficiaryId: string }).beneficiaryId;
          if (response.status < 500) throw new Error(`registration ${i} answered ${response.status}: ${await response.text()}`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('registration')) throw error;
          // connection refused or reset: intake is down (killed on purpose); retry
        }
        if (attempt > 400) throw new Error(`registration ${i} never succeeded`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    const networkReport = () => fetch(`${reporting!.url}/reports/network`, { headers: { authorization: `Bearer ${auditor}` } });
    const total = async () => {
      const response = await networkReport();
      return ((await response.json()) as { beneficiaries: { total: number } }).beneficiaries.total;
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'e2e-'));
      logFile = join(dataDir, 'services.log');
      env = {
        DATA_DIR: dataDir,
        EVENT_STORE: 'sqlite',
        BUS: 'kafka',
        KAFKA_BROKERS: brokers,
        // A namespace of its own, so earlier runs on the same broker cannot leak into the count.
        KAFKA_TOPIC_PREFIX: `${run}.`,
        READ_STORE: 'mongodb',
        MONGODB_URI: mongoUri,
        MONGODB_DB: run,
        PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
      };
      intakePort = await freePort();
      [intake, reporting] = await Promise.all([
        startServiceProcess('intake', intakePort, env, logFile),
        startServiceProcess('reporting', await freePort(), env, logFile),
      ]);
      const config = loadConfig({ DATA_DIR: dataDir });
      for (const cellId of CELLS) agents[cellId] = await issueToken(config, { role: 'cell_agent', cellId, subject: `agent:${cellId}-1` });
      auditor = await issueToken(config, { role: 'auditor', subject: 'auditor-1' });
    });

    afterAll(async () => {
      await Promise.all([intake, reporting].filter((p): p is ServiceProcess => !!p && p.child.exitCode === null).map((p) => stopGracefully(p)));
      if (process.env.KEEP_E2E_LOGS) process.stderr.write(readFileSync(logFile, 'utf8'));
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('counts exactly 200 registrations although the forwarding process is killed midway', async () => {
      const ids = new Set<string>();
      let next = 0;
      let succeeded = 0;
      let restarted: Promise<void> | undefined;
      // Eight clients register 200 beneficiaries; when half are done, intake (the process that
      // forwards) is killed with SIGKILL while requests and forwarding are in flight: no shutdown
      // hook runs, the forwarder's checkpoint is wherever it was. The clients retry until it is back.
      const client = async () => {
        while (next < 200) {
          const i = next++;
          ids.add(await register(i));
          succeeded += 1;
          if (succeeded === 100 && !restarted) {
            restarted = (async () => {
              intake!.child.kill('SIGKILL');
              await intake!.exited;
              intake = await startServiceProcess('intake', intakePort, env, logFile);
            })();
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, client));
      await restarted;
      expect(ids.size).toBe(200);

      await eventually(async () => expect(await total()).toBe(200), { timeoutMs: 90_000, intervalMs: 500 });
      // Late duplicates (republished after the crash) must not raise it.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await total()).toBe(200);

      const report = (await (await networkReport()).json()) as {
        beneficiaries: { byCell: Record<string, number>; byCategory: Record<string, number> };
      };
      expect(Object.values(report.beneficiaries.byCell).reduce((a, b) => a + b, 0)).toBe(200);
      expect(report.beneficiaries.byCategory).toEqual({ mre: 67, returnee: 67, rpt: 66 });
    });

    it('stops on SIGTERM within 10 seconds, storing its checkpoints', async () => {
      const started = Date.now();
      const code = await stopGracefully(intake!, 10_000);
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
