import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Topics } from '@oriental/contracts';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { EVENT_BUS, EventBus, MessageHeaders } from '@oriental/messaging';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { issueToken, JsonLogger, loadConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { HeldEntry, HeldItemsDesk } from '../src/dlq';
import { networkServices, RunningNetwork, startNetwork } from '../src/network';

jest.setTimeout(120_000);

const root = resolve(__dirname, '../../..');

/** `npm run dlq -- …` as an operator runs it: a process of its own, beside the running network. */
const dlq = (dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/dlq.cli.ts', ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'error', BUS: 'memory', EVENT_STORE: 'sqlite' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** The CLI's list, as a process of its own (slow: a whole process start each time). */
const listedByCli = async (dataDir: string): Promise<HeldEntry[]> => {
  const { code, stdout, stderr } = await dlq(dataDir, 'list', '--json');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as HeldEntry[];
};

describe('dead letters and parked events on the embedded default, with npm run dlq', () => {
  let dataDir: string;
  let network: RunningNetwork;
  let tokens: { agent: string; auditor: string };
  let store: EventStore;
  let bus: EventBus;

  const register = async (lastName: string): Promise<string> =>
    (
      await request(network.urls.intake!)
        .post('/beneficiaries')
        .set({ Authorization: `Bearer ${tokens.agent}`, 'Idempotency-Key': randomUUID() })
        .send({
          cellId: 'oujda',
          category: 'mre',
          sex: 'female',
          birthYear: 1984,
          nationality: 'MA',
          consent: { services: true, sharing: true, statistics: true },
          person: { firstName: 'Amina', lastName },
        })
        .expect(201)
    ).body.beneficiaryId;
  const registrations = async (): Promise<number> =>
    (await request(network.urls.reporting!).get('/reports/network').set('Authorization', `Bearer ${tokens.auditor}`).expect(200)).body.beneficiaries.total;
  const intakeForwarder = () => network.services.find(({ name }) => name === 'intake')!.forwarder!;
  /** What `npm run dlq -- list` answers, read in this process (the CLI is run once per kind of request below). */
  const listed = (_dataDir: string): Promise<HeldEntry[]> => new HeldItemsDesk(store, networkServices).list();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    tokens = { agent: await issueToken(config, { role: 'cell_agent', cellId: 'oujda' }), auditor: await issueToken(config, { role: 'auditor' }) };
    network = await startNetwork(config, { logger: (service) => new JsonLogger(service, 'error'), ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 } });
    const intake = network.services.find(({ name }) => name === 'intake')!.app;
    store = intake.get<EventStore>(EVENT_STORE);
    bus = intake.get<EventBus>(EVENT_BUS);
  });
  afterAll(async () => {
    await network?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('dead-letters a poison message for every group that consumes its topic, while later messages still arrive; an operator discards or replays each', async () => {
    await register('Before');
    await eventually(async () => expect(await registrations()).toBe(1));

    const poisonId = randomUUID();
    await bus.publish([{ topic: Topics.intake, key: 'poison', value: '{"not":"an integration event"}', headers: { [MessageHeaders.eventId]: poisonId, [MessageHeaders.eventType]: 'BeneficiaryRegistered' } }]);
    await register('After');
    await eventually(async () => expect(await registrations()).toBe(2));

    const letters = (await listedByCli(dataDir)).filter((entry) => entry.kind === 'dead-letter');
    // Every consumer group of the intake topic gave up on it, and only on it.
    expect(letters.map((entry) => entry.kind === 'dead-letter' && entry.group).sort()).toEqual(['capacity-building', 'intake', 'referral', 'reporting']);
    for (const letter of letters) expect(letter).toMatchObject({ state: 'held', topic: Topics.intake, key: 'poison', eventId: poisonId, reason: expect.stringMatching(/^invalid message/) });

    const [discarded, replayed] = letters;
    const discard = await dlq(dataDir, 'discard', discarded!.id, '--by', 'operator:spec');
    expect(discard).toMatchObject({ code: 0, stdout: `${discarded!.id}: discarded\n` });
    // The replay hands it to its group again, which rejects it again: a new dead letter replaces it.
    const replay = await dlq(dataDir, 'replay', replayed!.id);
    expect(replay).toMatchObject({ code: 0, stdout: `${replayed!.id}: replayed\n` });

    const after = await listed(dataDir);
    expect(after.find(({ id }) => id === discarded!.id)).toMatchObject({ state: 'discarded', requestedBy: 'operator:spec' });
    expect(after.find(({ id }) => id === replayed!.id)).toMatchObject({ state: 'replayed' });
    const again = after.filter((entry) => entry.kind === 'dead-letter' && entry.state === 'held' && entry.group === (replayed as { group: string }).group);
    expect(again).toHaveLength(1);
    expect(await registrations()).toBe(2);

    // Neither an unknown id nor one already discarded is acted on again.
    expect(await dlq(dataDir, 'discard', discarded!.id, 'dead-letters-reporting/nope')).toMatchObject({ code: 3, stderr: expect.stringMatching(/discarded[^]*nothing is held under dead-letters-reporting\/nope/) });
    expect(await dlq(dataDir, 'replay')).toMatchObject({ code: 2, stderr: expect.stringContaining('needs ids') });
  });

  it('never dead-letters a handler failure that is transient (a read store away): the registration is counted once it is back', async () => {
    const readStore = network.services.find(({ name }) => name === 'reporting')!.app.get<ReadStore>(READ_STORE);
    const writeBatch = readStore.writeBatch.bind(readStore);
    // Longer than the bounded retries of a failure that is not transient (about a second here).
    const awayUntil = Date.now() + 3_000;
    const spy = jest.spyOn(readStore, 'writeBatch').mockImplementation(async (writes) => {
      if (Date.now() < awayUntil) throw Object.assign(new Error('Server selection timed out after 5000 ms'), { name: 'MongoServerSelectionError' });
      return writeBatch(writes);
    });
    try {
      const total = (await registrations()) + 1;
      await register('WhileAway');
      await eventually(async () => expect(await registrations()).toBe(total), { timeoutMs: 30_000 });
      expect(spy.mock.calls.length).toBeGreaterThan(1);
      const held = (await listed(dataDir)).filter((entry) => entry.kind === 'dead-letter' && entry.group === 'reporting' && entry.state === 'held');
      expect(held.map(({ reason }) => reason)).not.toContainEqual(expect.stringContaining('Server selection'));
    } finally {
      spy.mockRestore();
    }
  });

  it('parks an event the forwarder cannot map, with the later events of its stream behind it, while the rest of the log flows; a discard lets them go', async () => {
    const beneficiaryId = await register('Parked');
    const stream = `beneficiary-${beneficiaryId}`;
    const [registered] = await store.readStream(stream);
    const poison = { ...registered!, id: randomUUID(), type: 'NeedsAssessed', data: { needs: [] } };
    const behind = { ...registered!, id: randomUUID(), type: 'SomethingInternal', data: {} };
    await store.appendToStream(stream, [poison, behind], { expectedRevision: 'any' });
    const total = (await registrations()) + 1;
    await register('Flows');

    await eventually(async () => expect(await registrations()).toBe(total));
    await eventually(() => expect(intakeForwarder().status()).toMatchObject({ parked: 2, running: true }));
    const parked = (await listed(dataDir)).filter((entry) => entry.kind === 'parked');
    expect(parked).toEqual([
      expect.objectContaining({ id: `parked-intake-forwarder/${poison.id}`, state: 'held', stream, revision: 1, eventType: 'NeedsAssessed', reason: expect.stringContaining('cannot be mapped') }),
      expect.objectContaining({ id: `parked-intake-forwarder/${behind.id}`, state: 'held', stream, revision: 2, waitingBehind: poison.id }),
    ]);
    expect(parked[0]).toMatchObject({ position: expect.any(String) });

    // Replaying it with the same code parks it again, with its reason; discarding it lets the stream go.
    const desk = new HeldItemsDesk(store, networkServices);
    await desk.replay(parked[0]!.id, 'operator:spec');
    await eventually(async () => expect(await desk.find(parked[0]!.id)).toMatchObject({ state: 'held', reason: expect.stringContaining('cannot be mapped') }));
    expect(await dlq(dataDir, 'discard', parked[0]!.id)).toMatchObject({ code: 0, stdout: `${parked[0]!.id}: discarded\n` });
    await eventually(() => expect(intakeForwarder().status().parked).toBe(0));
    expect((await listed(dataDir)).filter((entry) => entry.kind === 'parked').map(({ state }) => state)).toEqual(['discarded', 'replayed']);
  });
});
