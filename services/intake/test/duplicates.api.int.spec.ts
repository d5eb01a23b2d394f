import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock, Infrastructure, issueToken, JsonLogger, loadConfig, openInfrastructure, RunningService, startService } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually, freePort } from '@oriental/testing';
import request from 'supertest';
import { DUPLICATE_INDEX, duplicateIndexCollection } from '../src/duplicates/duplicate-index';
import { DUPLICATE_INDEX_FOLLOWER } from '../src/duplicates/duplicate-index.follower';
import { intakeService } from '../src/intake.service';
import { aRegistrationBody, RegistrationBody } from '../src/testing';

const root = join(__dirname, '..', '..', '..');

let key = 0;
const newKey = () => `duplicates-key-${process.pid}-${++key}-${Date.now()}`;

type Person = RegistrationBody['person'];
const body = (person: Person, birthYear: number): RegistrationBody => aRegistrationBody({ person, birthYear });

/** Intake as its own process (`services/intake/src/main.ts`), as the distributed mode runs it. */
const startIntakeProcess = async (dataDir: string): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> => {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', join(root, 'tools', 'register.js'), join(root, 'services', 'intake', 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, INTAKE_PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', OTEL_TRACES_EXPORTER: 'none', PERSONAL_DATA_MASTER_KEY: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`intake exited with ${child.exitCode}`);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return { url, child, exited };
};

describe('duplicate detection through the intake API', () => {
  let dataDir: string;
  let service: RunningService;
  let infrastructure: Infrastructure;
  /** An Oujda cell agent's token, of the issuer under this DATA_DIR: the restarted processes on it accept it too. */
  let agent: string;

  const register = (url: string, registration: RegistrationBody, idempotencyKey = newKey()) =>
    request(url).post('/beneficiaries').set('Idempotency-Key', idempotencyKey).set('Authorization', `Bearer ${agent}`).send(registration).expect(201);
  /** Registers and waits until the index follower has indexed the person, as a later registration would find them. */
  const registerIndexed = async (registration: RegistrationBody) => {
    const { body: answer } = await register(service.url, registration);
    await eventually(async () => expect(await duplicateIndexCollection(infrastructure.readStore).get(answer.beneficiaryId)).not.toBeNull());
    return answer.beneficiaryId as string;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'intake-duplicates-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    infrastructure = await openInfrastructure(config, 'intake');
    service = await startService(intakeService, {
      config,
      infrastructure,
      clock: fixedClock('2026-07-15T09:30:00.000Z'),
      port: 0,
      logger: new JsonLogger('intake', 'error'),
    });
    agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when a person registered earlier is registered again under another spelling', () => {
    it.each<[string, Person, number, Person, number, number]>([
      ['Arabic script', { firstName: 'Mohamed', lastName: 'El Amrani' }, 1990, { firstName: 'محمد', lastName: 'العمراني' }, 1990, 0.9],
      ['Latin variants, birth year one off', { firstName: 'Youssef', lastName: 'Benali' }, 1985, { firstName: 'Yusuf', lastName: 'Ben Ali' }, 1986, 0.8],
      ['mixed scripts', { firstName: 'Fatima', lastName: 'Al-Amrani' }, 1979, { firstName: 'فاطمة', lastName: 'Elamrani' }, 1979, 0.9],
      ['another phone format, another name', { firstName: 'Said', lastName: 'Tazi', phone: '+212 6 12 34 56 78' }, 1960, { firstName: 'Omar', lastName: 'Kettani', phone: '0612345678' }, 1999, 1],
    ])('answers the earlier registration as a possible duplicate (%s)', async (_case, earlier, earlierYear, later, laterYear, score) => {
      const earlierId = await registerIndexed(body(earlier, earlierYear));

      const response = await register(service.url, body(later, laterYear));

      expect(response.body).toEqual({ beneficiaryId: expect.any(String), possibleDuplicates: [{ beneficiaryId: earlierId, score }] });
      expect(response).toSatisfyApiSpec();
    });

    it('still registers them: a second stream, the same person twice until an agent links them', async () => {
      const earlierId = await registerIndexed(body({ firstName: 'Khadija', lastName: 'Ouazzani' }, 1970));
      const response = await register(service.url, body({ firstName: 'خديجة', lastName: 'Wazzani' }, 1970));
      expect(response.body.beneficiaryId).not.toBe(earlierId);
      expect(response.body.possibleDuplicates).toEqual([{ beneficiaryId: earlierId, score: 0.9 }]);
      await request(service.url).get(`/beneficiaries/${response.body.beneficiaryId}`).set('Authorization', `Bearer ${agent}`).set('X-Purpose', 'duplicate_review').expect(200);
    });
  });

  describe('when an unrelated person registers', () => {
    it('answers no possible duplicate', async () => {
      await registerIndexed(body({ firstName: 'Amina', lastName: 'Chraibi', phone: '0655555555' }, 1992));
      const response = await register(service.url, body({ firstName: 'Samir', lastName: 'Chraibi', phone: '0666666666' }, 1992));
      expect(response.body.possibleDuplicates).toEqual([]);
    });

    it('answers none for the same name two years apart', async () => {
      await registerIndexed(body({ firstName: 'Hamza', lastName: 'Lahlou' }, 1980));
      const response = await register(service.url, body({ firstName: 'Hamza', lastName: 'Lahlou' }, 1982));
      expect(response.body.possibleDuplicates).toEqual([]);
    });
  });

  describe('when the registration is retried', () => {
    it('answers the same list, even after a matching person was registered in between', async () => {
      const first = await registerIndexed(body({ firstName: 'Karim', lastName: 'Alaoui' }, 1975));
      const idempotencyKey = newKey();
      const answer = (await register(service.url, body({ firstName: 'Karim', lastName: 'El Alaoui' }, 1975), idempotencyKey)).body;
      await eventually(async () => expect(await duplicateIndexCollection(infrastructure.readStore).get(answer.beneficiaryId)).not.toBeNull());
      const third = await registerIndexed(body({ firstName: 'كريم', lastName: 'العلوي' }, 1975));

      const retry = await register(service.url, body({ firstName: 'Karim', lastName: 'El Alaoui' }, 1975), idempotencyKey);

      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(answer);
      expect(answer.possibleDuplicates).toEqual([{ beneficiaryId: first, score: 0.9 }]);
      const later = await register(service.url, body({ firstName: 'Karim', lastName: 'Alaoui' }, 1975));
      expect(later.body.possibleDuplicates.map((d: { beneficiaryId: string }) => d.beneficiaryId).sort()).toEqual([first, answer.beneficiaryId, third].sort());
    });
  });

  describe('what it stores', () => {
    it('holds keyed hashes and ids only: no name, phone or birth year in the index or the read store file', async () => {
      const person = { firstName: 'Zineb', lastName: 'Bennani', phone: '+212 6 98 76 54 32' };
      await registerIndexed(body(person, 1994));
      await register(service.url, body(person, 1994));

      const index = await infrastructure.readStore.collection(DUPLICATE_INDEX).find();
      expect(index.length).toBeGreaterThan(0);
      for (const { data } of index) expect(Object.keys(data).sort()).toEqual(['nameHash', 'phoneHash']);
      const plain = /zineb|bennani|698765432|1994|amrani|alaoui|محمد/i;
      expect(JSON.stringify(index)).not.toMatch(plain);
      const files = ['intake.read-models.sqlite', 'intake.read-models.sqlite-wal'].map((file) => join(dataDir, file)).filter(existsSync);
      for (const file of files) expect(readFileSync(file).toString('latin1')).not.toMatch(/Zineb|Bennani|698765432/);
    });
  });

  describe('on /health', () => {
    it('shows the index follower and how far it has indexed, beside the forwarder', async () => {
      await registerIndexed(body({ firstName: 'Leila', lastName: 'Fassi' }, 1988));

      const response = await eventually(async () => {
        const health = await request(service.url).get('/health').expect(200);
        expect(health.body.checks.followers).toEqual({
          [DUPLICATE_INDEX_FOLLOWER]: {
            status: 'up',
            kind: 'log-follower',
            details: { running: true, lastPosition: expect.any(String), handled: expect.any(Number), consecutiveFailures: 0 },
          },
        });
        return health;
      });

      expect(response.body.checks.followers[DUPLICATE_INDEX_FOLLOWER].details.handled).toBeGreaterThan(0);
      expect(response.body.checks.forwarder).toMatchObject({ status: 'up', kind: 'forwarder' });
      expect(response).toSatisfyApiSpec();
    });
  });

  describe('after a restart', () => {
    it('finds people registered before it, in a new process on the same data dir, also after a kill -9', async () => {
      const earlierId = await registerIndexed(body({ firstName: 'Mohammed', lastName: 'Berrada', phone: '0677777777' }, 1968));
      await service.stop();

      const restarted = await startIntakeProcess(dataDir);
      try {
        const again = await register(restarted.url, body({ firstName: 'Muhammad', lastName: 'برادة' }, 1969));
        expect(again.body.possibleDuplicates).toEqual([{ beneficiaryId: earlierId, score: 0.8 }]);

        // Registered, then the process is killed at once: whether or not its follower indexed
        // them, the next process finds them (it indexes from its stored position in the log).
        const killedId = (await register(restarted.url, body({ firstName: 'Ouafae', lastName: 'Sebti' }, 2001))).body.beneficiaryId;
        restarted.child.kill('SIGKILL');
        await restarted.exited;

        const third = await startIntakeProcess(dataDir);
        try {
          // The new process catches up from its stored position in the background: ask until it has
          // (each attempt registers one more such person, who may be among the answers).
          await eventually(
            async () => {
              const answer = await register(third.url, body({ firstName: 'وفاء', lastName: 'السبتي' }, 2001));
              expect(answer.body.possibleDuplicates).toContainEqual({ beneficiaryId: killedId, score: 0.9 });
            },
            { timeoutMs: 15_000, intervalMs: 200 },
          );
        } finally {
          third.child.kill('SIGTERM');
          await third.exited;
        }
      } finally {
        if (restarted.child.exitCode === null && restarted.child.signalCode === null) restarted.child.kill('SIGKILL');
      }
    }, 180_000);
  });
});
