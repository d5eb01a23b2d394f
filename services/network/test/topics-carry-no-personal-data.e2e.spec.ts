import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, loadConfig, ServiceConfig, TokenRequest } from '@oriental/service-kit';
import { ServiceProcess, describeWithInfra, eventually, freePort, startServiceProcess, stopGracefully } from '@oriental/testing';
import { Kafka, logLevel } from 'kafkajs';

interface Message {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * The bus carries the published language, never personal data (law 09-08: purpose limitation;
 * topics are read by every consumer and kept for their retention). A scripted journey with
 * distinctive personal data and notes at every step that takes one runs over real Kafka, with
 * the services as their own processes; then every topic of the run is read from the beginning,
 * and no message value, key or header may hold any of those strings.
 */
describeWithInfra('kafka', 'topics carry no personal data (e2e)', (brokers) => {
  jest.setTimeout(180_000);
  const run = `pii${Date.now()}${randomBytes(3).toString('hex')}`;
  const prefix = `${run}.`;
  const tag = randomBytes(4).toString('hex').toUpperCase();
  const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');
  const phoneDigits = `6${digits(8)}`;
  const documentNumber = `ZQ${digits(7)}`;
  const person = {
    firstName: `Ysoldë${tag}`,
    lastName: `Quarrington${tag}`,
    phone: `+212${phoneDigits}`,
    address: `17 impasse des Essais ${tag}, Oujda`,
    documentNumbers: [{ kind: 'passport' as const, number: documentNumber }],
    notes: `Notes de la cellule ${tag}: vit chez sa sœur`,
  };
  /** A note per step that takes one: every one is personal data too. */
  const note = (step: string) => `Note ${step} ${tag}`;
  const secrets = [
    person.firstName,
    person.lastName,
    phoneDigits,
    person.address,
    `impasse des Essais ${tag}`,
    documentNumber,
    person.notes,
    tag, // every note and name holds it: any fragment of them
  ];

  let dataDir: string;
  let logFile: string;
  let config: ServiceConfig;
  const services: Record<string, ServiceProcess> = {};
  const tokens: Record<string, string> = {};
  let key = 0;

  const call = async (service: string, method: 'GET' | 'POST', path: string, as: string, body?: object): Promise<Record<string, unknown>> => {
    const response = await fetch(`${services[service]!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${tokens[as]}`,
        ...(method === 'POST' ? { 'content-type': 'application/json', 'idempotency-key': `${run}-${++key}` } : { 'x-purpose': 'casework' }),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${service}${path} as ${as} answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  /** Every message of every topic of this run, read from the beginning by a group of its own. */
  const readEveryTopic = async (): Promise<Message[]> => {
    const kafka = new Kafka({ brokers: brokers.split(','), clientId: `${run}-reader`, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const consumer = kafka.consumer({ groupId: `${run}-reader-${randomBytes(3).toString('hex')}` });
    try {
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
      let expected = 0;
      for (const topic of topics) {
        for (const { high, low } of await admin.fetchTopicOffsets(topic)) expected += Number(high) - Number(low);
      }
      const messages: Message[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ topic, message }) => {
          messages.push({
            topic,
            key: message.key?.toString('utf8') ?? '',
            value: message.value?.toString('utf8') ?? '',
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value ?? '')])),
          });
        },
      });
      await eventually(() => expect(messages.length).toBeGreaterThanOrEqual(expected), { timeoutMs: 60_000, intervalMs: 200 });
      return messages;
    } finally {
      await consumer.disconnect();
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'topics-pii-'));
    logFile = join(dataDir, 'services.log');
    const env = {
      DATA_DIR: join(dataDir, 'data'),
      EVENT_STORE: 'sqlite',
      BUS: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    };
    // The embedded issuer's key lives under DATA_DIR: the services and this spec share it.
    config = loadConfig(env);
    const callers: Record<string, TokenRequest> = {
      oujda: { role: 'cell_agent', cellId: 'oujda' },
      nador: { role: 'cell_agent', cellId: 'nador' },
      partner: { role: 'partner', partnerId: 'legal-aid-oriental' },
    };
    for (const [name, request] of Object.entries(callers)) tokens[name] = await issueToken(config, request);
    const names = ['intake', 'referral', 'capacity-building', 'reporting'];
    const started = await Promise.all(names.map(async (name) => startServiceProcess(name, await freePort(), env, logFile)));
    names.forEach((name, i) => (services[name] = started[i]!));
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).filter((p) => p.child.exitCode === null).map((p) => stopGracefully(p)));
    if (process.env.KEEP_E2E_LOGS) process.stderr.write(readFileSync(logFile, 'utf8'));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${join(dataDir, 'data')}.master.key`, { force: true });
  });

  it('publishes the whole journey, and nothing of the person, their documents or any note', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { beneficiaryId } = (await call('intake', 'POST', '/beneficiaries', 'oujda', aRegistrationBody({ cellId: 'oujda', consent: { services: true, sharing: true, statistics: true }, person }))) as {
      beneficiaryId: string;
    };
    const id = beneficiaryId;
    await call('intake', 'POST', `/beneficiaries/${id}/needs`, 'oujda', { needs: [{ code: 'legal_aid', priority: 'high' }] });
    const { followUpId } = (await call('intake', 'POST', `/beneficiaries/${id}/follow-ups`, 'oujda', { dueDate: today, note: note('follow-up') })) as { followUpId: string };
    await call('intake', 'POST', `/beneficiaries/${id}/follow-ups/${followUpId}/outcome`, 'oujda', { outcome: 'held', note: note('outcome') });

    // Referral learns of the case (and the consent to share it) from intake's topic.
    await eventually(() => call('referral', 'GET', `/beneficiaries/${id}/case`, 'oujda'), { timeoutMs: 60_000, intervalMs: 250 });
    const { referralId } = (await call('referral', 'POST', '/referrals', 'oujda', { beneficiaryId: id, need: 'legal_aid', partnerId: 'legal-aid-oriental', note: note('referral') })) as {
      referralId: string;
    };
    await call('referral', 'POST', `/referrals/${referralId}/accept`, 'partner', { note: note('accepted') });
    await call('referral', 'POST', `/referrals/${referralId}/complete`, 'partner', { outcome: 'resolved', note: note('completed') });

    const { transferId } = (await call('intake', 'POST', `/beneficiaries/${id}/transfers`, 'oujda', { toCellId: 'nador', reason: 'moved', note: note('transfer') })) as {
      transferId: string;
    };
    await call('intake', 'POST', `/beneficiaries/${id}/transfers/${transferId}/accept`, 'nador', { note: note('transfer accepted') });
    await call('intake', 'POST', `/beneficiaries/${id}/close`, 'nador', { reason: 'resolved', note: note('closure') });

    // Wait until the forwarders have published the last step of each context.
    let messages: Message[] = [];
    await eventually(
      async () => {
        messages = await readEveryTopic();
        const types = messages.map((message) => `${message.topic.slice(prefix.length)} ${message.headers['event-type']}`);
        expect(types).toEqual(expect.arrayContaining(['oriental.intake.v1 CaseClosed', 'oriental.referral.v1 ReferralCompleted']));
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );

    // The journey's messages are there (a reading that saw nothing could not fail).
    const ofThisCase = messages.filter((message) => message.key === id || message.value.includes(id));
    expect(ofThisCase.map((message) => message.headers['event-type'])).toEqual(
      expect.arrayContaining([
        'BeneficiaryRegistered',
        'NeedsAssessed',
        'FollowUpScheduled',
        'FollowUpRecorded',
        'ReferralSent',
        'ReferralAccepted',
        'ReferralCompleted',
        'TransferRequested',
        'TransferAccepted',
        'CaseClosed',
      ]),
    );

    const leaks = messages.flatMap((message) => {
      const places = { value: message.value, key: message.key, ...Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [`header ${name}`, value])) };
      return Object.entries(places).flatMap(([place, text]) =>
        secrets.filter((secret) => text.toLowerCase().includes(secret.toLowerCase())).map((secret) => `${message.topic} ${message.headers['event-type']} ${place} holds "${secret}"`),
      );
    });
    expect(leaks).toEqual([]);
  });
});
