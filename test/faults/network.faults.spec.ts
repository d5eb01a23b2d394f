import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Topics } from '@oriental/contracts';
import { loadConfig, openExistingEventStore } from '@oriental/service-kit';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { LoadFigures, LoadOptions, Network, registrationBody, ServiceName, Totals } from './harness/network';
import { KafkaBroker, PersistentMongo, sleep, stopReaper } from './harness/servers';

/**
 * Fault injection (issue 9, docs/reliability.md): the four services as separate processes over a
 * Kafka broker and a MongoDB-compatible server of the suite's own, a bounded registration load
 * per scenario, a fault in the middle of it, and then exact totals: every registration answered
 * 201 is in intake's log once, and reporting's network report, referral's case view and capacity
 * building's activity per cell reach exactly that count and stay there. Nothing lost, nothing
 * doubled. No timing is asserted: the figures printed (and written to FAULTS_REPORT, when set)
 * are measurements.
 *
 * The scenarios share one network and build on each other's totals (the expected count is every
 * registration answered 201 so far), in order. Each load has a seed of its own: the same people,
 * keys and order on every run.
 */
const LOAD = Number(process.env.FAULTS_REGISTRATIONS) || 1_000;
const CONCURRENCY = 4;
/** How long the totals may take to agree after a fault: generous, a slow CI machine must not fail here. */
const CONVERGE_TIMEOUT_MS = 240_000;
/** How long equal totals are watched for a late duplicate before they count as settled. */
const SETTLE_MS = 3_000;
/** The consumer groups of the intake topic: every service's. */
const INTAKE_CONSUMERS = ['intake', 'referral', 'capacity-building', 'reporting'];

interface ScenarioFigures {
  scenario: string;
  registrations: number;
  requests: number;
  created: number;
  replayed: number;
  retries: number;
  failures: Record<string, number>;
  loadMs: number;
  /** What the fault cost, measured: e.g. the broker's restart until it answers. */
  fault: Record<string, number | string>;
  /** From the end of the fault (the server back) until every total equals the log's. */
  convergeAfterFaultMs: number;
  /** From the end of the load until every total equals the log's. */
  convergeAfterLoadMs: number;
  expected: number;
  totals: Totals;
  /** Dead letters the scenario added to the intake topic's `.dlq`. */
  deadLetters: number;
}

/** A load of registrations with a pace: request i starts no earlier than i ÷ rate seconds in, so that it spans a fault. */
const pacedLoad = (network: Network, options: LoadOptions & { perSecond?: number }): Promise<LoadFigures> => {
  const { perSecond, ...rest } = options;
  if (!perSecond) return network.load(rest);
  const begun = Date.now();
  let started = 0;
  const gate = async () => {
    const at = begun + (started++ * 1000) / perSecond;
    if (at > Date.now()) await sleep(at - Date.now());
  };
  return network.load({ ...rest, beforeRequest: gate });
};

/** Resolves once `created` reaches n (set by the load's onCreated). */
class Progress {
  created = 0;
  private waiters: { n: number; resolve: () => void }[] = [];
  readonly onCreated = (created: number) => {
    this.created = created;
    this.waiters = this.waiters.filter((waiter) => (created >= waiter.n ? (waiter.resolve(), false) : true));
  };
  reached(n: number): Promise<void> {
    return this.created >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

describe('fault injection: nothing lost, nothing doubled', () => {
  let kafka: KafkaBroker;
  let mongo: PersistentMongo;
  let network: Network;
  const kafkaClient = () => new Kafka({ clientId: `${network.run}-spec`, brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
  /** Every beneficiary id answered 201 by any scenario so far: what every total must reach. */
  const answered = new Set<string>();
  const results: ScenarioFigures[] = [];
  const startedAt = Date.now();
  const setup: Record<string, number> = {};
  /** Scenarios begun: fewer results than that means one failed, and its logs are kept. */
  let begunScenarios = 0;
  let passedScenarios = 0;
  /** Each count, and the dead letters of the intake topic, as the scenario began: it adds to them. */
  let baseline: { totals: Totals; deadLetters: number };
  beforeEach(async () => {
    begunScenarios += 1;
    baseline = { totals: await network.totals(), deadLetters: await deadLetterCount(kafkaClient(), `${network.topicPrefix}${Topics.intake}.dlq`) };
  });

  beforeAll(async () => {
    let begun = Date.now();
    kafka = await KafkaBroker.create();
    setup.kafkaStartMs = Date.now() - begun;
    begun = Date.now();
    mongo = await PersistentMongo.create();
    setup.mongoStartMs = Date.now() - begun;
    begun = Date.now();
    network = new Network(kafka.brokers, mongo.uri);
    await network.start();
    setup.servicesStartMs = Date.now() - begun;
    process.stdout.write(`[faults] Kafka ${kafka.brokers} (${setup.kafkaStartMs} ms), MongoDB ${mongo.uri} (${setup.mongoStartMs} ms), services (${setup.servicesStartMs} ms), DATA_DIR ${network.env.DATA_DIR}\n`);
  }, 300_000);

  afterAll(async () => {
    await network?.stop().catch(() => undefined);
    const failed = begunScenarios !== passedScenarios;
    // A failed run keeps the broker's log beside the services' (the broker's data goes).
    if (failed && network && kafka) {
      try {
        copyFileSync(kafka.logFile, join(network.dir, 'kafka.log'));
      } catch {
        // no log to keep
      }
    }
    await Promise.all([kafka?.destroy(), mongo?.destroy()]);
    stopReaper();
    if (!failed && !process.env.KEEP_FAULTS_DATA) network?.cleanUp();
    else if (network) process.stdout.write(`[faults] kept ${network.dir} (services.log there)\n`);
    const summary = { totalMs: Date.now() - startedAt, setup, scenarios: results };
    process.stdout.write(`[faults] summary\n${table(results)}\n[faults] whole suite ${(summary.totalMs / 1000).toFixed(1)} s\n`);
    if (process.env.FAULTS_REPORT) {
      mkdirSync(dirname(process.env.FAULTS_REPORT), { recursive: true });
      writeFileSync(process.env.FAULTS_REPORT, `${JSON.stringify(summary, null, 2)}\n`);
    }
  }, 120_000);

  /**
   * Polls until every total equals the number of registrations answered 201, then watches them
   * for SETTLE_MS: equal, and still equal (a late duplicate would raise one).
   */
  /**
   * Polls until every count has grown by exactly the registrations this scenario got answered 201,
   * then checks that the log holds exactly the ids answered 201 so far (none more, none missing),
   * waits until every consumer group of the intake topic has committed its end, and checks that
   * the counts have not moved SETTLE_MS later (a late duplicate would raise one). Unless the
   * scenario sends poison on purpose, nothing may have been dead-lettered: a transient fault must
   * be waited out, not set aside.
   */
  const converge = async (scenario: string, load: LoadFigures, faultEndedAt: number, loadEndedAt: number, fault: ScenarioFigures['fault'], expectedDeadLetters = 0) => {
    for (const id of load.beneficiaryIds) answered.add(id);
    const expected = plus(baseline.totals, load.beneficiaryIds.size);
    const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
    // A service may answer 503 for a while after a fault: poll through it, and fail with its answer at the deadline.
    let totals: Totals | undefined;
    let lastError: unknown;
    while (!(totals && equalTotals(totals, expected)) && Date.now() < deadline) {
      if (totals || lastError) await sleep(250);
      totals = await network.totals().catch((error: unknown) => {
        lastError = error;
        return totals;
      });
    }
    if (!totals) throw lastError;
    const convergedAt = Date.now();
    const deadLetters = (await deadLetterCount(kafkaClient(), `${network.topicPrefix}${Topics.intake}.dlq`)) - baseline.deadLetters;
    const figures: ScenarioFigures = {
      scenario,
      registrations: load.registrations,
      requests: load.requests,
      created: load.created,
      replayed: load.replayed,
      retries: load.retries,
      failures: load.failures,
      loadMs: load.durationMs,
      fault,
      convergeAfterFaultMs: convergedAt - faultEndedAt,
      convergeAfterLoadMs: convergedAt - loadEndedAt,
      expected: expected.log,
      totals,
      deadLetters,
    };
    process.stdout.write(`[faults] ${scenario}: ${JSON.stringify(figures)}\n`);
    results.push(figures);
    // Every registration got its 201, once per key: the load's ids are its registrations.
    expect(load.beneficiaryIds.size).toBe(load.registrations);
    expect(totals).toEqual(expected);
    expect(deadLetters).toBe(expectedDeadLetters);
    // The log holds exactly the registrations answered 201: the same ids, none more.
    expect(sortedDifference(network.registeredInLog(), answered)).toEqual({ onlyInLog: [], onlyAnswered: [] });
    // Every consumer of the intake topic has committed its end (nothing left to deliver, a
    // redelivered copy included), and the totals stay where they are.
    await waitFor(() => consumedToEnd(kafkaClient(), `${network.topicPrefix}${Topics.intake}`, INTAKE_CONSUMERS), CONVERGE_TIMEOUT_MS);
    await sleep(SETTLE_MS);
    expect(await network.totals()).toEqual(expected);
    passedScenarios += 1;
  };

  it('1. Kafka: the broker killed with SIGKILL mid-load, then restarted', async () => {
    const progress = new Progress();
    let faultEndedAt = 0;
    const fault: ScenarioFigures['fault'] = {};
    const injected = (async () => {
      await progress.reached(Math.floor(LOAD * 0.3));
      await kafka.kill9();
      fault.killedAtCreated = progress.created;
      fault.restartMs = await kafka.start();
      faultEndedAt = Date.now();
    })();
    const load = await network.load({ seed: 1, count: LOAD, concurrency: CONCURRENCY, onCreated: progress.onCreated });
    const loadEndedAt = Date.now();
    await injected;
    await converge('1 kafka kill -9', load, faultEndedAt, loadEndedAt, fault);
  });

  it('2. Kafka stopped for 30 s: intake answers 201 throughout, the reports catch up after the restart', async () => {
    const progress = new Progress();
    let faultEndedAt = 0;
    const fault: ScenarioFigures['fault'] = {};
    let createdWhileDown = 0;
    const injected = (async () => {
      await progress.reached(Math.floor(LOAD * 0.1));
      await kafka.stop();
      const down = progress.created;
      fault.stoppedAtCreated = down;
      await sleep(30_000);
      createdWhileDown = progress.created - down;
      fault.createdWhileDown = createdWhileDown;
      fault.restartMs = await kafka.start();
      faultEndedAt = Date.now();
    })();
    // Paced so that the load spans the 30 s without the broker.
    const load = await pacedLoad(network, { seed: 2, count: LOAD, concurrency: CONCURRENCY, onCreated: progress.onCreated, perSecond: LOAD / 40 });
    const loadEndedAt = Date.now();
    await injected;
    // Intake never needed the broker to answer: no error, no retry, and registrations went on while it was down.
    expect(load.failures).toEqual({});
    expect(createdWhileDown).toBeGreaterThan(0);
    await converge('2 kafka down 30 s', load, faultEndedAt, loadEndedAt, fault);
  });

  it('3. The MongoDB-compatible server restarted mid-load', async () => {
    const progress = new Progress();
    let faultEndedAt = 0;
    const fault: ScenarioFigures['fault'] = {};
    const injected = (async () => {
      await progress.reached(Math.floor(LOAD * 0.3));
      const begun = Date.now();
      await mongo.stop();
      fault.stoppedAtCreated = progress.created;
      // Down for 5 s (FAULTS_MONGO_DOWN_MS): longer than a consumer's bounded retries of a failure
      // that is not transient (about 1 s), so a transient one taken for a bad message would be
      // dead-lettered here. 15 s reproduces a reconnection defect not solved yet
      // (docs/reliability.md, "What the runs showed").
      await sleep(Number(process.env.FAULTS_MONGO_DOWN_MS) || 5_000);
      fault.startMs = await mongo.start();
      fault.downMs = Date.now() - begun;
      faultEndedAt = Date.now();
    })();
    const load = await pacedLoad(network, { seed: 3, count: LOAD, concurrency: CONCURRENCY, onCreated: progress.onCreated, perSecond: LOAD / 20 });
    const loadEndedAt = Date.now();
    await injected;
    await converge('3 mongodb restart', load, faultEndedAt, loadEndedAt, fault);
  });

  it('4. Each service killed with SIGKILL mid-load and restarted on the same DATA_DIR', async () => {
    const progress = new Progress();
    let faultEndedAt = 0;
    const fault: ScenarioFigures['fault'] = {};
    const order: ServiceName[] = ['intake', 'referral', 'reporting', 'capacity-building'];
    // Each service is killed when the load reaches its share and restarted at once, in the
    // background: the next kill does not wait for the last restart.
    const injected = Promise.all(
      order.map(async (name, index) => {
        await progress.reached(Math.floor((LOAD * (index + 1)) / (order.length + 1)));
        fault[`${name}KilledAtCreated`] = progress.created;
        await network.kill9(name);
        const begun = Date.now();
        await network.restart(name);
        fault[`${name}RestartMs`] = Date.now() - begun;
      }),
    ).then(() => {
      faultEndedAt = Date.now();
    });
    const load = await pacedLoad(network, { seed: 4, count: LOAD, concurrency: CONCURRENCY, onCreated: progress.onCreated, perSecond: LOAD / 30 });
    const loadEndedAt = Date.now();
    await injected;
    // A client that lost its answers retries with the same keys: every one is answered from the
    // log (Idempotent-Replayed) with the same beneficiary, and nothing is registered twice.
    const again = await network.load({ seed: 4, count: 50, concurrency: CONCURRENCY });
    expect({ created: again.created, replayed: again.replayed }).toEqual({ created: 50, replayed: 50 });
    for (const [i, id] of again.byIndex) expect(id).toBe(load.byIndex.get(i));
    fault.sameKeysAgain = `${again.replayed}/50 replayed`;
    await converge('4 services kill -9', load, faultEndedAt, loadEndedAt, fault);
  });

  it('5. Duplicate and out-of-order redeliveries of integration messages', async () => {
    const client = kafkaClient();
    const topic = `${network.topicPrefix}${Topics.intake}`;
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const copies = { copied: 0, stale: 0 };
    try {
      const resend = async (partition: number, messages: Pick<KafkaMessage, 'key' | 'value' | 'headers'>[]) => {
        // In requests of 100: the broker refuses a request over its max message size.
        for (let start = 0; start < messages.length; start += 100) {
          await producer.send({
            topic,
            messages: messages.slice(start, start + 100).map((message) => ({ partition, key: message.key, value: message.value, headers: message.headers })),
          });
        }
      };

      // During the load, three times: a copy of every message delivered since the last time
      // (same key, value, headers and event id, on its partition), each partition's in reverse
      // order, between the new ones.
      const progress = new Progress();
      const copiedUpTo = new Map<number, number>();
      const redelivering = (async () => {
        for (const share of [0.25, 0.5, 0.75]) {
          await progress.reached(Math.floor(LOAD * share));
          for (const [partition, messages] of await readTopic(client, topic, `${network.run}-reader-${share}`)) {
            const fresh = messages.filter((message) => Number(message.offset) >= (copiedUpTo.get(partition) ?? 0) && !message.headers?.['redelivered']);
            copiedUpTo.set(partition, Number(messages.at(-1)?.offset ?? -1) + 1);
            await resend(partition, fresh.reverse().map((message) => ({ ...message, headers: { ...message.headers, redelivered: 'true' } })));
            copies.copied += fresh.length;
          }
        }
      })();
      const load = await pacedLoad(network, { seed: 5, count: LOAD, concurrency: CONCURRENCY, onCreated: progress.onCreated, perSecond: LOAD / 15 });
      await redelivering;

      // A later event, then the stale one again: a registration saying sharing=true, redelivered
      // after its consent was withdrawn, must not give the consent back.
      const withdrawn = new Set<string>();
      for (const i of [...Array(LOAD).keys()].filter((i) => registrationBody(5, i).consent.sharing).slice(0, 100)) {
        const id = load.byIndex.get(i)!;
        const response = await fetch(`${network.services.intake.url}/beneficiaries/${id}/consents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${network.run}-withdraw-${i}`, authorization: `Bearer ${network.token(registrationBody(5, i).cellId)}` },
          body: JSON.stringify({ purpose: 'sharing', given: false }),
        });
        expect(response.status).toBe(200);
        withdrawn.add(id);
      }
      // Wait until referral has applied every withdrawal, then redeliver those registrations (stale now).
      await waitFor(async () => (await network.referralCases({ 'data.beneficiaryId': { $in: [...withdrawn] }, 'data.sharing': false })) === withdrawn.size, CONVERGE_TIMEOUT_MS);
      const now = await readTopic(client, topic, `${network.run}-reader-stale`);
      for (const [partition, messages] of now) {
        const stale = messages.filter(
          (message) => message.headers?.['event-type']?.toString() === 'BeneficiaryRegistered' && !message.headers?.['redelivered'] && withdrawn.has(message.key?.toString() ?? ''),
        );
        await resend(partition, stale);
        copies.stale += stale.length;
      }
      const faultEndedAt = Date.now();
      await converge('5 duplicates and out of order', load, faultEndedAt, faultEndedAt, { ...copies });
      // The stale registrations were redelivered after the withdrawals and changed nothing.
      expect(await network.referralCases({ 'data.beneficiaryId': { $in: [...withdrawn] }, 'data.sharing': true })).toBe(0);
      expect(copies.stale).toBe(withdrawn.size);
      expect(copies.copied).toBeGreaterThanOrEqual(Math.floor(LOAD / 2));
    } finally {
      await producer.disconnect();
    }
  });

  it('6. Poison: a message failing its contract lands in <topic>.dlq, an event the forwarder cannot map is parked, and everything else arrives', async () => {
    const client = kafkaClient();
    const topic = `${network.topicPrefix}${Topics.intake}`;
    const producer = client.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // What an earlier scenario may have left held: this one adds exactly its poison to it.
    const heldBefore = new Set(((await npmRunDlqList(network.env)) as { id: string }[]).map(({ id }) => id));
    const progress = new Progress();
    const poisonIds: Record<string, string> = { json: randomUUID(), contract: randomUUID() };
    const poisonOffsets = new Map<string, string>();
    let parkedEvent: { id: string; stream: string } | undefined;
    const fault: ScenarioFigures['fault'] = {};
    // The load's first registration is the stream the poison event goes to: answered before it.
    const load0 = { byIndex: new Map<number, string>() };
    try {
      const injected = (async () => {
        // A third of the way: two poison messages among the registrations, one not even JSON,
        // one JSON that is no integration event, with the headers a real message carries.
        await progress.reached(Math.floor(LOAD / 3));
        const poison = [
          { key: 'poison-json', value: '{"type":"BeneficiaryRegistered", not json', headers: { 'event-id': poisonIds.json, 'event-type': 'BeneficiaryRegistered', 'schema-version': '1' } },
          { key: 'poison-contract', value: JSON.stringify({ not: 'an integration event' }), headers: { 'event-id': poisonIds.contract, 'event-type': 'BeneficiaryRegistered', 'schema-version': '1' } },
        ];
        for (const message of poison) {
          const [sent] = await producer.send({ topic, messages: [message] });
          poisonOffsets.set(`${sent!.partition}:${sent!.baseOffset}`, message.headers['event-id']);
        }
        fault.poisonMessagesAtCreated = progress.created;
        // Two thirds of the way: an event in a forwarded stream (a registered beneficiary's) that
        // intake's forwarder cannot map (NeedsAssessed without needs fails its contract), appended
        // to the log by a process of its own, as a faulty release or a hand edit would.
        await progress.reached(Math.floor((LOAD * 2) / 3));
        const store = await openExistingEventStore(loadConfig({ ...network.env, LOG_LEVEL: 'error' }));
        if ('missing' in store) throw new Error(`no event store at ${store.missing}`);
        try {
          const stream = `beneficiary-${load0.byIndex.get(0)}`;
          const [registered] = await store.readStream(stream);
          parkedEvent = { id: randomUUID(), stream };
          await store.appendToStream(stream, [{ ...registered!, id: parkedEvent.id, type: 'NeedsAssessed', data: { needs: [] } }], { expectedRevision: 'any' });
        } finally {
          await store.close();
        }
        fault.poisonEventAtCreated = progress.created;
      })();
      const load = await network.load({
        seed: 6,
        count: LOAD,
        concurrency: CONCURRENCY,
        onCreated: progress.onCreated,
        onAnswered: (i, id) => load0.byIndex.set(i, id),
      });
      const loadEndedAt = Date.now();
      await injected;
      await converge('6 poison message and event', load, loadEndedAt, loadEndedAt, fault, 2 * INTAKE_CONSUMERS.length);
    } finally {
      await producer.disconnect();
    }

    // On the wire: every consumer group of the topic dead-lettered both poison messages, once,
    // with their headers as sent and where they came from; and nothing else (converge counted 8).
    const dlq = [...(await readTopic(client, `${topic}.dlq`, `${network.run}-dlq-reader`)).values()].flat().filter((message) => Object.values(poisonIds).includes(message.headers?.['event-id']?.toString() ?? ''));
    const letters = dlq.map((message) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      return {
        group: header('dlq-group'),
        eventId: header('event-id'),
        source: `${header('dlq-source-partition')}:${header('dlq-source-offset')}`,
        sourceTopic: header('dlq-source-topic'),
        reason: header('dlq-reason') ?? '',
      };
    });
    const expectedLetters = INTAKE_CONSUMERS.flatMap((group) =>
      [...poisonOffsets].map(([source, eventId]) => ({ group, eventId, source, sourceTopic: topic, reason: expect.stringMatching(/\S/) })),
    );
    expect(sortLetters(letters)).toEqual(sortLetters(expectedLetters));

    // As an operator sees it: those dead letters, and the one parked event, held; nothing else.
    const listed = ((await npmRunDlqList(network.env)) as { kind: string; state: string; group?: string; eventId?: string; id: string; stream?: string; eventType?: string; reason: string }[]).filter(
      ({ id }) => !heldBefore.has(id),
    );
    expect(
      listed
        .filter((entry) => entry.kind === 'dead-letter')
        .map(({ group, eventId, state }) => `${group} ${eventId} ${state}`)
        .sort(),
    ).toEqual(INTAKE_CONSUMERS.flatMap((group) => [...poisonOffsets.values()].map((eventId) => `${group} ${eventId} held`)).sort());
    expect(listed.filter((entry) => entry.kind === 'parked')).toEqual([
      expect.objectContaining({ state: 'held', stream: parkedEvent!.stream, eventType: 'NeedsAssessed', id: expect.stringContaining(parkedEvent!.id) }),
    ]);
  });
});

const plus = (totals: Totals, n: number): Totals => Object.fromEntries(Object.entries(totals).map(([name, value]) => [name, value + n])) as unknown as Totals;
const equalTotals = (a: Totals, b: Totals) => Object.entries(a).every(([name, value]) => value === b[name as keyof Totals]);

/** Messages on a topic (every partition's end offset summed), 0 while it does not exist. */
const deadLetterCount = async (client: Kafka, topic: string): Promise<number> => {
  const admin = client.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
};
const sortLetters = <T extends { group?: string; source: string }>(letters: T[]) => [...letters].sort((a, b) => `${a.group} ${a.source}`.localeCompare(`${b.group} ${b.source}`));

/** `npm run dlq -- list --json` as an operator runs it, beside the running network, with its configuration. */
const npmRunDlqList = async (env: Record<string, string>): Promise<unknown[]> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', './tools/register.js', 'services/network/src/dlq.cli.ts', 'list', '--json'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env, LOG_LEVEL: 'error' },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown[];
};

const sortedDifference = (log: Set<string>, answered: Set<string>) => ({
  onlyInLog: [...log].filter((id) => !answered.has(id)).sort(),
  onlyAnswered: [...answered].filter((id) => !log.has(id)).sort(),
});

const waitFor = async (condition: () => Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(250);
  }
};

/** True when every group has committed the end of every partition of the topic. */
const consumedToEnd = async (client: Kafka, topic: string, groups: string[]): Promise<boolean> => {
  const admin = client.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
    for (const groupId of groups) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (!committed || committed.partitions.some(({ partition, offset }) => offset !== ends.get(partition) && ends.get(partition) !== '0')) return false;
    }
    return true;
  } finally {
    await admin.disconnect();
  }
};

/** Every message of a topic up to its current end, by partition, in order (a consumer group of its own). */
const readTopic = async (client: Kafka, topic: string, groupId: string): Promise<Map<number, KafkaMessage[]>> => {
  const admin = client.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));
  await admin.disconnect();
  const byPartition = new Map<number, KafkaMessage[]>([...ends.keys()].map((partition) => [partition, []]));
  const consumer = client.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) < ends.get(partition)!) byPartition.get(partition)!.push(message);
      },
    });
    // Offsets of a topic no transaction wrote are contiguous from 0: the end is reached at offset end - 1.
    await waitFor(async () => [...ends].every(([partition, end]) => end === 0 || Number(byPartition.get(partition)!.at(-1)?.offset ?? -1) >= end - 1), 60_000);
  } finally {
    await consumer.disconnect();
  }
  return byPartition;
};

const table = (results: ScenarioFigures[]) =>
  [
    '| scenario | registrations | requests | 201 | replayed | retries | load s | fault | converge after fault s | after load s | dead letters | totals |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) =>
      [
        r.scenario,
        r.registrations,
        r.requests,
        r.created,
        r.replayed,
        r.retries,
        (r.loadMs / 1000).toFixed(1),
        Object.entries(r.fault)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        (r.convergeAfterFaultMs / 1000).toFixed(1),
        (r.convergeAfterLoadMs / 1000).toFixed(1),
        r.deadLetters,
        `${r.expected} = ${Object.values(r.totals).join('/')}`,
      ].join(' | '),
    ).map((row) => `| ${row} |`),
  ].join('\n');
