import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Topics } from '@oriental/contracts';
import { aRegistrationBody } from '@oriental/intake/testing';
import { BusMessage, EVENT_BUS, InMemoryBus } from '@oriental/messaging';
import { issueToken, TokenRequest } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { asyncApiDocument, asyncApiYaml, topicOfMessage } from '../src/asyncapi/asyncapi-document';
import { networkServices } from '../src/network';
import { logHead, startTestNetwork, TestNetwork } from './network-routes';

/**
 * The Kafka topics are a public interface (issue 8): docs/asyncapi.yaml describes every topic and
 * every message, generated from the zod contracts (services/network/src/asyncapi), and every message the services
 * publish validates against it. A scripted journey runs on the embedded network; the spec listens
 * on the in-memory bus as one more consumer group and checks each message it carries (value,
 * headers, topic) with a JSON Schema validator (ajv) against the document, and each event of the
 * log as the forwarders publish it (the partner directory seeded at boot included).
 */

type Document = { channels: Record<string, { address: string; messages: Record<string, unknown> }>; components: { messages: Record<string, unknown> } };

const AGENT: TokenRequest = { role: 'cell_agent', cellId: 'oujda' };
const SUPERVISOR: TokenRequest = { role: 'cell_supervisor', cellId: 'oujda' };
const NADOR_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'nador' };
const HOSPITAL: TokenRequest = { role: 'partner', partnerId: 'chr-al-farabi' };
const TRAINER: TokenRequest = { role: 'trainer' };
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Compiles each message's payload and headers schema from the document itself, `$ref`s resolved within it. */
const validatorsOf = (document: Document) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'asyncapi');
  const compiled = new Map<string, { payload: ValidateFunction; headers: ValidateFunction }>();
  for (const name of Object.keys(document.components.messages)) {
    compiled.set(name, { payload: ajv.getSchema(`asyncapi#/components/messages/${name}/payload`)!, headers: ajv.getSchema(`asyncapi#/components/messages/${name}/headers`)! });
  }
  return compiled;
};

/** What is wrong with a message, by the document: nothing when it validates. */
const problemsOf = (message: BusMessage, validators: ReturnType<typeof validatorsOf>, topics: Map<string, string>): string[] => {
  const value = JSON.parse(message.value) as { type?: string };
  const name = value.type ?? '(no type)';
  const validate = validators.get(name);
  if (!validate) return [`${message.topic}: ${name} is not in the document`];
  const problems: string[] = [];
  if (topics.get(name) !== message.topic) problems.push(`${name} on ${message.topic}, documented on ${topics.get(name)}`);
  if (!validate.payload(value)) problems.push(`${name} payload: ${JSON.stringify(validate.payload.errors)}`);
  if (!validate.headers(message.headers)) problems.push(`${name} headers: ${JSON.stringify(validate.headers.errors)}`);
  if (typeof message.key !== 'string' || message.key === '') problems.push(`${name}: no key`);
  return problems;
};

describe('docs/asyncapi.yaml', () => {
  const document = asyncApiDocument() as unknown as Document;
  const validators = validatorsOf(document);
  const topics = topicOfMessage();

  it('is what services/network/src/asyncapi makes from the contracts (run `npm run asyncapi` after changing one)', () => {
    expect(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml'), 'utf8')).toBe(asyncApiYaml());
  });

  it('describes every topic, each with its messages', () => {
    expect(Object.values(document.channels).map((channel) => channel.address).sort()).toEqual(Object.values(Topics).sort());
    for (const channel of Object.values(document.channels)) expect(Object.keys(channel.messages).length).toBeGreaterThan(0);
  });

  it('refuses what the published language never carries: a name in the data, another type, a missing field', () => {
    const valid: BusMessage = {
      topic: Topics.intake,
      key: '5b0a4f3e-2f43-4a8e-9f57-0f6f6f7c1a11',
      headers: { 'event-id': '0d7d3b2c-6b6f-4c39-8a39-2d1f7c3e9b10', 'event-type': 'CaseClosed', 'schema-version': '1' },
      value: JSON.stringify({
        id: '0d7d3b2c-6b6f-4c39-8a39-2d1f7c3e9b10',
        type: 'CaseClosed',
        schemaVersion: 1,
        source: { stream: 'beneficiary-5b0a4f3e-2f43-4a8e-9f57-0f6f6f7c1a11', revision: 3, position: '42' },
        beneficiaryId: '5b0a4f3e-2f43-4a8e-9f57-0f6f6f7c1a11',
        cellId: 'oujda',
        occurredAt: '2026-07-15T09:30:00.000Z',
        correlationId: 'c',
        causationId: 'c',
        actor: 'agent:oujda-1',
        data: { beneficiaryId: '5b0a4f3e-2f43-4a8e-9f57-0f6f6f7c1a11', reason: 'resolved', closedAt: '2026-07-15T09:30:00.000Z' },
      }),
    };
    const changed = (change: (value: Record<string, any>) => void): BusMessage => {
      const value = JSON.parse(valid.value);
      change(value);
      return { ...valid, value: JSON.stringify(value) };
    };
    expect(problemsOf(valid, validators, topics)).toEqual([]);
    expect(problemsOf(changed((value) => (value.data.firstName = 'Amina')), validators, topics)).not.toEqual([]);
    expect(problemsOf(changed((value) => (value.note = 'free text')), validators, topics)).not.toEqual([]);
    expect(problemsOf(changed((value) => delete value.data.closedAt), validators, topics)).not.toEqual([]);
    expect(problemsOf(changed((value) => (value.schemaVersion = 2)), validators, topics)).not.toEqual([]);
    expect(problemsOf({ ...valid, topic: Topics.referral }, validators, topics)).not.toEqual([]);
    expect(problemsOf({ ...valid, headers: {} }, validators, topics)).not.toEqual([]);
  });

  describe('every message the services publish on a scripted journey', () => {
    let test: TestNetwork;
    const carried: BusMessage[] = [];
    const tokens = new Map<TokenRequest, string>();
    let keys = 0;
    const command = async (service: string, path: string, body: unknown, caller: TokenRequest = AGENT): Promise<Record<string, string>> => {
      const response = await request(test.network.urls[service]!)
        .post(path)
        .set({ Authorization: `Bearer ${tokens.get(caller)}`, 'Idempotency-Key': `asyncapi-${process.pid}-${++keys}` })
        .send(body as object);
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${response.text}`);
      return response.body as Record<string, string>;
    };
    const register = async (overrides: Parameters<typeof aRegistrationBody>[0] = {}) => (await command('intake', '/beneficiaries', aRegistrationBody(overrides)))['beneficiaryId']!;

    beforeAll(async () => {
      test = await startTestNetwork('asyncapi');
      for (const caller of [AGENT, SUPERVISOR, NADOR_AGENT, HOSPITAL, TRAINER]) tokens.set(caller, await issueToken(test.config, caller));
      // One more consumer group on every topic: it sees what the services' consumers see.
      const bus = test.network.services[0]!.app.get<InMemoryBus>(EVENT_BUS);
      for (const topic of Object.values(Topics)) bus.subscribe(topic, 'asyncapi-spec', async (messages) => void carried.push(...messages));

      // The casework of intake and referral, each kind of fact at least once.
      const a = await register({ category: 'mre', consent: { services: true, sharing: true, statistics: true } });
      const b = await register({ category: 'returnee' });
      const c = await register({ category: 'rpt' });
      const x = await register();
      await command('intake', `/beneficiaries/${a}/profile`, { person: { phone: '+212611111111' } });
      await command('intake', `/beneficiaries/${a}/needs`, { needs: [{ code: 'health', priority: 'high' }, { code: 'housing', priority: 'low' }] });
      await command('intake', `/beneficiaries/${a}/needs/housing/met`, {});
      const followUp = (await command('intake', `/beneficiaries/${a}/follow-ups`, { dueDate: inDays(10) }))['followUpId']!;
      await command('intake', `/beneficiaries/${a}/follow-ups/${followUp}/outcome`, { outcome: 'held' });
      await eventually(async () => {
        const known = await request(test.network.urls['referral']!).get(`/beneficiaries/${a}/sharing-consent`).set('Authorization', `Bearer ${tokens.get(AGENT)}`);
        expect(known.body).toMatchObject({ sharing: true });
      });
      const refer = async () => (await command('referral', '/referrals', { beneficiaryId: a, need: 'health', partnerId: 'chr-al-farabi' }))['referralId']!;
      const [accepted, declined, revoked] = [await refer(), await refer(), await refer()];
      // One stays open: flagged when sharing is withdrawn, cleared when it is given again, moved by the transfer.
      await refer();
      await command('referral', `/referrals/${accepted}/accept`, {}, HOSPITAL);
      await command('referral', `/referrals/${accepted}/complete`, { outcome: 'resolved' }, HOSPITAL);
      await command('referral', `/referrals/${declined}/decline`, { reason: 'no_capacity' }, HOSPITAL);
      await command('referral', `/referrals/${revoked}/revoke`, { reason: 'sent_in_error' });
      // Sharing withdrawn flags the open referral, given again clears the flag; an accepted transfer moves it.
      await command('intake', `/beneficiaries/${a}/consents`, { purpose: 'sharing', given: false });
      await command('intake', `/beneficiaries/${a}/consents`, { purpose: 'sharing', given: true });
      const transferA = (await command('intake', `/beneficiaries/${a}/transfers`, { toCellId: 'nador', reason: 'moved' }))['transferId']!;
      await command('intake', `/beneficiaries/${a}/transfers/${transferA}/accept`, {}, NADOR_AGENT);
      const transferB = (await command('intake', `/beneficiaries/${b}/transfers`, { toCellId: 'nador', reason: 'moved' }))['transferId']!;
      await command('intake', `/beneficiaries/${b}/transfers/${transferB}/decline`, {}, NADOR_AGENT);
      await command('intake', `/beneficiaries/${c}/close`, { reason: 'resolved' });
      await command('intake', `/beneficiaries/${c}/reopen`, {});
      await command('intake', `/beneficiaries/${x}/erasure`, { reason: 'person_request' }, SUPERVISOR);

      // A training: a session of one place, the second participant waitlisted then promoted, attendance, evaluations, a certificate.
      const train = (path: string, body: unknown) => command('capacity-building', path, body, TRAINER);
      const programmeId = (await train('/programmes', { title: 'Accueil des MRE', objectives: 'Recevoir et orienter', targetActorTypes: ['cell_officer'], minAttendance: 0.5 }))['programmeId']!;
      const session = (await train('/sessions', { programmeId, cellId: 'oujda', startDate: inDays(-3), endDate: inDays(-2), capacity: 1, trainer: 'Samira Benali', modality: 'in_person' }))['sessionId']!;
      const participant = async (firstName: string) =>
        (await train('/participants', { actorType: 'cell_officer', organisation: 'Cellule d’Oujda', commune: 'oujda', sex: 'female', names: { firstName, lastName: 'Benali' } }))['participantId']!;
      const [leaving, staying] = [await participant('Leila'), await participant('Nadia')];
      await train(`/sessions/${session}/enrolments`, { participantId: leaving });
      await train(`/sessions/${session}/enrolments`, { participantId: staying });
      await train(`/sessions/${session}/enrolments/${leaving}/withdraw`, {});
      await train(`/sessions/${session}/attendance`, { participantId: staying, day: inDays(-3), present: true });
      await train(`/sessions/${session}/evaluations`, { participantId: staying, phase: 'pre', score: 40 });
      await train(`/sessions/${session}/evaluations`, { participantId: staying, phase: 'post', score: 75 });
      await train(`/sessions/${session}/close`, {});
    }, 60_000);

    afterAll(async () => {
      await test?.stop();
    });

    it('validates against the document, value, headers and topic', async () => {
      // Everything appended has gone through the forwarders when the last event's message arrived.
      const { events } = await logHead(test.store);
      const all = await test.store.readAll({ maxCount: events });
      const published = all.events.flatMap((event) => networkServices.flatMap((service) => (service.forwarder?.toMessage(event) ? [event.id] : [])));
      const lastId = published[published.length - 1]!;
      await eventually(() => expect(carried.some((message) => message.headers['event-id'] === lastId)).toBe(true));

      const problems = carried.flatMap((message) => problemsOf(message, validators, topics));
      expect(problems).toEqual([]);
      const types = new Set(carried.map((message) => JSON.parse(message.value).type as string));
      // The journey made every kind of fact but the partner directory's (seeded before the spec listened).
      const expected = Object.values(document.channels)
        .flatMap((channel) => Object.keys(channel.messages))
        .filter((type) => !type.startsWith('Partner') && type !== 'BeneficiaryProfileRecorded');
      expect(expected.filter((type) => !types.has(type))).toEqual([]);
    });

    it('validates every event of the log as the forwarders publish it, the partner directory seeded at boot included', async () => {
      const { events } = await logHead(test.store);
      const all = await test.store.readAll({ maxCount: events });
      const messages = all.events.flatMap((event) => networkServices.flatMap((service) => [service.forwarder?.toMessage(event) ?? null].filter((message): message is BusMessage => message !== null)));
      expect(messages.some((message) => JSON.parse(message.value).type === 'PartnerRegistered')).toBe(true);
      expect(messages.flatMap((message) => problemsOf(message, validators, topics))).toEqual([]);
    });
  });
});
