import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, TokenRequest } from '@oriental/service-kit';
import request from 'supertest';
import { SseClient } from './hub-sse-client';
import { startTestNetwork, TestNetwork } from './network-routes';

/**
 * The coordination hub's feed on the embedded default (issue 8): registrations made through
 * intake's API reach a feed client within a second, as notifications without personal data; a
 * client that reconnects with Last-Event-ID receives exactly what it missed; filters and the
 * provincial coordinator's scope hold; what the feed refuses, it refuses with a stable code.
 */

const REGION: TokenRequest = { role: 'regional_coordinator' };
const OUJDA_ANGAD: TokenRequest = { role: 'provincial_coordinator', province: 'oujda-angad' };
const AUDITOR: TokenRequest = { role: 'auditor' };
const OUJDA_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'oujda' };
const NADOR_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'nador' };

type Notification = { type: string; occurredAt: string; cellId?: string; province?: string; category?: string };

/** Names no event, notification or id could contain by chance. */
const DISTINCTIVE = { firstName: 'Zoubeyda', lastName: 'Qarmouchi-Tafilalti', phone: '+212677123987' };

describe('GET /hub/feed', () => {
  let test: TestNetwork;
  const tokens = new Map<TokenRequest, string>();
  const token = (caller: TokenRequest) => tokens.get(caller)!;
  const feed = (query = '') => `${test.network.urls['reporting']}/hub/feed${query}`;
  const open: SseClient[] = [];
  const connect = async (caller: TokenRequest, query = '', options: { lastEventId?: string; accept?: string } = {}) => {
    const client = await SseClient.connect(feed(query), token(caller), options);
    open.push(client);
    return client;
  };
  let keys = 0;
  const register = async (agent: TokenRequest, overrides: Parameters<typeof aRegistrationBody>[0] = {}): Promise<string> => {
    const response = await request(test.network.urls['intake']!)
      .post('/beneficiaries')
      .set({ Authorization: `Bearer ${token(agent)}`, 'Idempotency-Key': `hub-feed-${process.pid}-${++keys}` })
      .send(aRegistrationBody({ cellId: agent.cellId!, ...overrides }));
    expect(response.status).toBe(201);
    return response.body.beneficiaryId as string;
  };
  const registrations = (client: SseClient) => client.data<Notification>().filter((notification) => notification.type === 'BeneficiaryRegistered');

  beforeAll(async () => {
    // Heartbeats every second, so that a spec sees some.
    test = await startTestNetwork('hub-feed', { HUB_HEARTBEAT_SECONDS: '1' });
    for (const caller of [REGION, OUJDA_ANGAD, AUDITOR, OUJDA_AGENT, NADOR_AGENT]) tokens.set(caller, await issueToken(test.config, caller));
  }, 60_000);

  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('delivers a registration within one second of the command, as a notification without personal data', async () => {
    const client = await connect(REGION);
    expect({ status: client.status, type: client.headers.get('content-type') }).toEqual({ status: 200, type: 'text/event-stream' });

    const sent = Date.now();
    const beneficiaryId = await register(OUJDA_AGENT, { category: 'returnee', person: DISTINCTIVE });
    await client.until((c) => registrations(c).length === 1, 1_000);

    const [event] = client.events;
    expect(event!.at - sent).toBeLessThan(1_000);
    expect(event!.id).toMatch(/^\d+$/);
    const notification = JSON.parse(event!.data) as Notification;
    expect(notification).toEqual({ type: 'BeneficiaryRegistered', occurredAt: expect.any(String), cellId: 'oujda', province: 'oujda-angad', category: 'returnee' });
    expect(Math.abs(Date.parse(notification.occurredAt) - sent)).toBeLessThan(5_000);
    for (const secret of [DISTINCTIVE.firstName, DISTINCTIVE.lastName, DISTINCTIVE.phone, beneficiaryId]) expect(event!.data).not.toContain(secret);
  });

  it('sends a reconnecting client exactly what it missed, from its Last-Event-ID, then goes on live', async () => {
    // A client connected throughout sees everything: what the other one should end up with.
    const witness = await connect(REGION);
    const client = await connect(REGION);
    await register(OUJDA_AGENT);
    await client.until((c) => registrations(c).length === 1);
    const lastEventId = client.lastEventId;
    expect(lastEventId).toBe(client.events[0]!.id);
    await client.close();

    // Missed: registrations in two provinces, and the events that follow them (needs, a follow-up).
    const missed = [await register(OUJDA_AGENT, { category: 'rpt' }), await register(NADOR_AGENT), await register(OUJDA_AGENT)];
    const needs = await request(test.network.urls['intake']!)
      .post(`/beneficiaries/${missed[0]}/needs`)
      .set({ Authorization: `Bearer ${token(OUJDA_AGENT)}`, 'Idempotency-Key': `hub-feed-needs-${process.pid}` })
      .send({ needs: [{ code: 'health', priority: 'high' }] });
    expect(needs.status).toBe(200);
    await witness.until((c) => registrations(c).length === 4 && c.data<Notification>().some((n) => n.type === 'NeedsAssessed'));

    const back = await connect(REGION, '', { lastEventId });
    await register(NADOR_AGENT);
    await witness.until((c) => registrations(c).length === 5);
    await back.until((c) => registrations(c).length === 4);

    const expected = witness.events.slice(witness.events.findIndex((event) => event.id === lastEventId) + 1);
    expect(expected.map((event) => JSON.parse(event.data).type)).toEqual(['BeneficiaryRegistered', 'BeneficiaryRegistered', 'BeneficiaryRegistered', 'NeedsAssessed', 'BeneficiaryRegistered']);
    expect(back.events.map(({ id, data }) => ({ id, data }))).toEqual(expected.map(({ id, data }) => ({ id, data })));
    expect(back.data<Notification>()[3]).toMatchObject({ type: 'NeedsAssessed', cellId: 'oujda', category: 'rpt' });
  });

  it('filters by cell and by province, and holds a provincial coordinator to their province', async () => {
    const nadorOnly = await connect(REGION, '?cellId=nador');
    const oujdaAngad = await connect(AUDITOR, '?province=oujda-angad');
    const provincial = await connect(OUJDA_ANGAD);
    const everything = await connect(REGION);

    await register(NADOR_AGENT);
    await register(OUJDA_AGENT);
    await everything.until((c) => registrations(c).length === 2);
    await Promise.all([nadorOnly, oujdaAngad, provincial].map((client) => client.until((c) => registrations(c).length === 1)));
    // Nothing more arrives for the filtered clients once the unfiltered one has seen both.
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(registrations(nadorOnly)).toEqual([expect.objectContaining({ cellId: 'nador', province: 'nador' })]);
    expect(registrations(oujdaAngad)).toEqual([expect.objectContaining({ cellId: 'oujda', province: 'oujda-angad' })]);
    expect(registrations(provincial)).toEqual([expect.objectContaining({ cellId: 'oujda', province: 'oujda-angad' })]);
    expect(registrations(everything).map((n) => n.cellId)).toEqual(['nador', 'oujda']);
  });

  it('refuses, with a stable code, what it cannot serve', async () => {
    const refused = async (caller: TokenRequest, query: string, options: { lastEventId?: string; accept?: string } = {}) => {
      const client = await connect(caller, query, options);
      return { status: client.status, code: client.problem?.code };
    };
    expect(await refused(OUJDA_AGENT, '')).toEqual({ status: 403, code: 'ROLE_NOT_ALLOWED' });
    expect(await refused(OUJDA_ANGAD, '?province=nador')).toEqual({ status: 403, code: 'PROVINCE_NOT_YOURS' });
    expect(await refused(OUJDA_ANGAD, '?cellId=nador')).toEqual({ status: 403, code: 'CELL_NOT_YOURS' });
    expect(await refused(REGION, '?cellId=atlantis')).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, '?province=atlantis')).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, '?cellId=nador&province=oujda-angad')).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, '?since=yesterday')).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await refused(REGION, '', { accept: 'application/json' })).toEqual({ status: 406, code: 'NOT_ACCEPTABLE' });
    expect(await refused(REGION, '', { accept: '*/*' })).toEqual({ status: 406, code: 'NOT_ACCEPTABLE' });
    for (const lastEventId of ['yesterday', '-1', '12/7', '99999999999']) {
      expect({ lastEventId, ...(await refused(REGION, '', { lastEventId })) }).toEqual({ lastEventId, status: 400, code: 'LAST_EVENT_ID_INVALID' });
    }
  });

  it('keeps a quiet stream open with heartbeats that carry its position past what its filter left out', async () => {
    const witness = await connect(REGION);
    const quiet = await connect(REGION, '?cellId=figuig');
    await quiet.until((c) => c.comments.includes('connected'));
    const connectedAt = quiet.lastEventId;
    await register(OUJDA_AGENT);
    await witness.until((c) => registrations(c).length === 1);
    const registeredAt = witness.events[0]!.id;

    await quiet.until((c) => c.comments.includes('heartbeat') && c.lastEventId === registeredAt, 3_000);
    expect({ events: quiet.events, movedOn: connectedAt !== registeredAt }).toEqual({ events: [], movedOn: true });
  });

  it('ends the open streams when the network stops, so that stopping does not wait for the clients', async () => {
    const client = await connect(REGION);
    await client.until((c) => c.comments.includes('connected'));
    const stopping = Date.now();
    const stopped = test.stop();
    await client.ended();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    await stopped;
  }, 15_000);
});
