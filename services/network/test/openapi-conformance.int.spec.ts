import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intakeService } from '@oriental/intake';
import { aRegistrationBody } from '@oriental/intake/testing';
import { issueToken, JsonLogger, loadConfig, openInfrastructure, ROLES, RunningService, startService, TokenRequest } from '@oriental/service-kit';
import { checkResponsesAgainstOpenApiOf, eventually } from '@oriental/testing';
import request from 'supertest';
import { allowedRoles, CALLERS, concretePath, describeRoute, NetworkRoute, networkRoutes, NOWHERE, SERVICES, startTestNetwork, TestNetwork } from './network-routes';

/**
 * Every answer of every route of the four services matches the OpenAPI document the service
 * publishes (/docs/openapi.json), error answers included: for each route, a valid request on a
 * case that exists, and the invalid ones a client or a fuzzer generated from the document sends
 * (no token, a bad token, a role outside the policy, a bad or unknown id, a body that is not
 * valid, unknown fields, another content type, a body over the limit, bad headers, a stale
 * If-Match, a reused Idempotency-Key). Each answer must have a documented status, the documented
 * content type and a body the documented schema accepts (jest-openapi's `toSatisfyApiSpec`);
 * every refusal is problem details with a stable code. The document itself is checked complete.
 */

type Method = NetworkRoute['method'];
type Document = {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
};
type Schema = Record<string, unknown>;
type Operation = {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, string[]>[];
};

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const SCREAMING_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let keys = 0;
const newKey = () => `conformance-${process.pid}-${++keys}`;

/** The ids of a small world, seeded over HTTP, so that each command has a case it can succeed on. */
interface World {
  /** Open Oujda case with needs (health) assessed, a follow-up, consent to sharing, referrals. */
  a: string;
  followUp: string;
  /** Cases of their own: a possible duplicate, another, two with a transfer pending to Nador, one to close, one closed, one to erase. */
  b: string;
  c: string;
  d: string;
  transferD: string;
  e: string;
  transferE: string;
  g: string;
  h: string;
  x: string;
  /** Referrals of A to the regional hospital: sent (to accept), accepted (to complete), sent (to decline), sent (to revoke). */
  toAccept: string;
  toComplete: string;
  toDecline: string;
  toRevoke: string;
  /** Capacity building: a programme, a past session with a participant attending, one to withdraw and a newcomer to enrol, a session to close, a certificate's code. */
  training: { programme: string; session: string; attendee: string; leaving: string; newcomer: string; toClose: string; certificate: string };
}

/** A request each route should succeed on (2xx), in the seeded world. */
interface Valid {
  params?: Record<string, string>;
  body?: unknown;
  query?: Record<string, string>;
  /** Default: the first role of the route's policy, scoped to Oujda. */
  caller?: TokenRequest;
  /** Sent with every probe of the route (e.g. the Accept a stream needs). */
  headers?: Record<string, string>;
  /** The answer is an endless stream (Server-Sent Events): the valid probe reads its first message, then hangs up. */
  stream?: true;
}

const HOSPITAL: TokenRequest = { role: 'partner', partnerId: 'chr-al-farabi' };
const NADOR_AGENT: TokenRequest = { role: 'cell_agent', cellId: 'nador' };

const validRequests = (w: World): Record<string, Valid> => ({
  'intake POST /beneficiaries': { body: aRegistrationBody({ birthYear: 1975, person: { firstName: 'Karim', lastName: 'Tazi' } }) },
  'intake GET /beneficiaries/:id': { params: { id: w.a } },
  'intake GET /beneficiaries/:id/export': { params: { id: w.a }, caller: CALLERS.cell_supervisor },
  'intake POST /beneficiaries/:id/profile': { params: { id: w.a }, body: { person: { phone: '+212611111111' } } },
  'intake POST /beneficiaries/:id/consents': { params: { id: w.a }, body: { purpose: 'statistics', given: false } },
  'intake POST /beneficiaries/:id/needs': { params: { id: w.a }, body: { needs: [{ code: 'housing', priority: 'low' }] } },
  'intake POST /beneficiaries/:id/needs/:code/met': { params: { id: w.a, code: 'health' } },
  'intake POST /beneficiaries/:id/follow-ups': { params: { id: w.a }, body: { dueDate: inDays(20) } },
  'intake POST /beneficiaries/:id/follow-ups/:followUpId/outcome': { params: { id: w.a, followUpId: w.followUp }, body: { outcome: 'held' } },
  'intake POST /beneficiaries/:id/transfers': { params: { id: w.c }, body: { toCellId: 'berkane', reason: 'moved' } },
  'intake POST /beneficiaries/:id/transfers/:transferId/accept': { params: { id: w.d, transferId: w.transferD }, caller: NADOR_AGENT },
  'intake POST /beneficiaries/:id/transfers/:transferId/decline': { params: { id: w.e, transferId: w.transferE }, caller: NADOR_AGENT },
  'intake POST /beneficiaries/:id/close': { params: { id: w.g }, body: { reason: 'resolved' } },
  'intake POST /beneficiaries/:id/reopen': { params: { id: w.h } },
  'intake POST /beneficiaries/:id/duplicates/:otherId/link': { params: { id: w.a, otherId: w.b } },
  'intake POST /beneficiaries/:id/duplicates/:otherId/dismiss': { params: { id: w.a, otherId: w.c } },
  'intake POST /beneficiaries/:id/erasure': { params: { id: w.x }, body: { reason: 'person_request' }, caller: CALLERS.cell_supervisor },
  'intake GET /cells/:cellId/follow-ups/overdue': { params: { cellId: 'oujda' } },
  'referral POST /referrals': { body: { beneficiaryId: w.a, need: 'health', partnerId: 'chr-al-farabi' } },
  'referral GET /referrals': { query: { beneficiaryId: w.a }, caller: CALLERS.cell_agent },
  'referral GET /referrals/:id': { params: { id: w.toAccept }, caller: CALLERS.cell_agent },
  'referral POST /referrals/:id/accept': { params: { id: w.toAccept }, body: {}, caller: HOSPITAL },
  'referral POST /referrals/:id/complete': { params: { id: w.toComplete }, body: { outcome: 'resolved' }, caller: HOSPITAL },
  'referral POST /referrals/:id/decline': { params: { id: w.toDecline }, body: { reason: 'no_capacity' }, caller: HOSPITAL },
  'referral POST /referrals/:id/revoke': { params: { id: w.toRevoke }, body: { reason: 'sent_in_error' } },
  'referral GET /partners': { query: { need: 'health' } },
  'referral GET /beneficiaries/:id/sharing-consent': { params: { id: w.a } },
  'referral GET /beneficiaries/:id/case': { params: { id: w.a } },
  'capacity-building GET /cells/activity': {},
  'capacity-building POST /programmes': { body: { title: 'Orientation', objectives: 'Orienter un MRE', targetActorTypes: ['cell_officer'], minAttendance: 0.8 } },
  'capacity-building GET /programmes/:id': { params: { id: w.training.programme } },
  'capacity-building POST /sessions': {
    body: { programmeId: w.training.programme, cellId: 'oujda', startDate: inDays(30), endDate: inDays(32), capacity: 10, trainer: 'Samira Benali', modality: 'in_person' },
  },
  'capacity-building GET /sessions/:id': { params: { id: w.training.session } },
  'capacity-building POST /participants': { body: { actorType: 'elected_official', organisation: 'Commune de Nador', commune: 'nador', sex: 'male', names: { firstName: 'Karim', lastName: 'Tazi' } } },
  'capacity-building GET /participants/:id': { params: { id: w.training.attendee } },
  'capacity-building POST /sessions/:id/enrolments': { params: { id: w.training.session }, body: { participantId: w.training.newcomer } },
  'capacity-building POST /sessions/:id/enrolments/:participantId/withdraw': { params: { id: w.training.session, participantId: w.training.leaving } },
  'capacity-building POST /sessions/:id/attendance': { params: { id: w.training.session }, body: { participantId: w.training.attendee, day: inDays(-8), present: true } },
  'capacity-building POST /sessions/:id/evaluations': { params: { id: w.training.session }, body: { participantId: w.training.attendee, phase: 'pre', score: 55 } },
  'capacity-building POST /sessions/:id/close': { params: { id: w.training.toClose } },
  'capacity-building GET /certificates/:code': { params: { code: w.training.certificate } },
  'reporting GET /reports/network': {},
  'reporting GET /reports/needs': { query: { from: '2026-01-01', cellId: 'oujda', category: 'mre' } },
  'reporting GET /reports/follow-ups': { query: { province: 'oujda-angad' } },
  'reporting GET /reports/transfers': { query: { to: '2099-12-31' } },
  'reporting GET /reports/referrals': { query: { audience: 'public' } },
  'reporting GET /reports/training': { query: { from: '2026-01-01', format: 'json' } },
  'reporting GET /journeys/:beneficiaryId': { params: { beneficiaryId: w.a } },
  'reporting GET /journeys/:beneficiaryId/state': { params: { beneficiaryId: w.a } },
  'reporting GET /journeys/:beneficiaryId/access': { params: { beneficiaryId: w.a } },
  'reporting GET /journeys/:beneficiaryId/verify': { params: { beneficiaryId: w.a } },
  'reporting GET /hub/feed': { query: { province: 'oujda-angad' }, headers: { Accept: 'text/event-stream' }, stream: true },
  'reporting GET /hub/snapshot': { query: { province: 'oujda-angad' } },
});

/** Reads a streamed answer up to its first message (a blank line), then hangs up: the body is that text. */
const firstMessageOf = (req: request.Test): request.Test =>
  req.buffer(true).parse((response, done) => {
    let text = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      done(null, text);
      // The stream would not end by itself: hang up, as a client that has read enough does.
      (response as unknown as { destroy(): void }).destroy();
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      if (/\n\n/.test(text.replace(/^\n/, ''))) finish();
    });
    response.on('end', finish);
  });

/** Another variant of a valid body (for a reused key), when the schema takes one: a note, or nothing. */
const anotherBody = (route: NetworkRoute, body: unknown): unknown => {
  const candidate = { ...(body as object), note: 'another request under the same key' };
  return route.body?.safeParse(candidate).success ? candidate : undefined;
};

/** Every object of a JSON schema, nested ones included, whether it refuses unknown properties. */
const openObjects = (schema: unknown, path = '(body)'): string[] => {
  if (!schema || typeof schema !== 'object') return [];
  const node = schema as Schema;
  const own = node['type'] === 'object' && node['properties'] !== undefined && node['additionalProperties'] !== false ? [path] : [];
  const children = Object.entries(node).flatMap(([key, child]) =>
    key === 'properties'
      ? Object.entries(child as Schema).flatMap(([name, property]) => openObjects(property, `${path}.${name}`))
      : key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'allOf'
        ? [child].flat().flatMap((item) => openObjects(item, `${path}[]`))
        : [],
  );
  return [...own, ...children];
};

describe('every answer of every route matches its service’s OpenAPI document', () => {
  let test: TestNetwork;
  let routes: NetworkRoute[];
  let world: World;
  const documents: Record<string, Document> = {};
  /** Issued before the walk (a request built with one must not be awaited before it is complete: it would be sent). */
  const tokens = new Map<string, string>();
  const token = (caller: TokenRequest): string => {
    const issued = tokens.get(JSON.stringify(caller));
    if (!issued) throw new Error(`no token issued for ${JSON.stringify(caller)}`);
    return issued;
  };
  const url = (service: string) => test.network.urls[service]!;

  const command = async (service: string, path: string, body: unknown, caller: TokenRequest = CALLERS.cell_agent, status = 200) => {
    const response = await request(url(service))
      .post(path)
      .set({ Authorization: `Bearer ${token(caller)}`, 'Idempotency-Key': newKey() })
      .send(body as object);
    if (response.status !== status) throw new Error(`seeding ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, string>;
  };
  const register = async (firstName: string, lastName: string, sharing = false) =>
    (await command('intake', '/beneficiaries', aRegistrationBody({ consent: { services: true, sharing, statistics: true }, person: { firstName, lastName } }), CALLERS.cell_agent, 201))['beneficiaryId']!;

  const seed = async (): Promise<World> => {
    const a = await register('Amina', 'Benali', true);
    await command('intake', `/beneficiaries/${a}/needs`, { needs: [{ code: 'health', priority: 'high' }] });
    const followUp = (await command('intake', `/beneficiaries/${a}/follow-ups`, { dueDate: inDays(10) }, CALLERS.cell_agent, 201))['followUpId']!;
    const [b, c, d, e, g, h, x] = [
      await register('Amina', 'Ben Ali'),
      await register('Youssef', 'Alaoui'),
      await register('Nadia', 'Idrissi'),
      await register('Omar', 'Berrada'),
      await register('Salma', 'Chraibi'),
      await register('Hicham', 'Fassi'),
      await register('Leila', 'Kettani'),
    ];
    const transferD = (await command('intake', `/beneficiaries/${d}/transfers`, { toCellId: 'nador', reason: 'moved' }, CALLERS.cell_agent, 201))['transferId']!;
    const transferE = (await command('intake', `/beneficiaries/${e}/transfers`, { toCellId: 'nador', reason: 'moved' }, CALLERS.cell_agent, 201))['transferId']!;
    await command('intake', `/beneficiaries/${h}/close`, { reason: 'resolved' });
    // Referral learns of the case (and its consent to sharing) from intake's events.
    await eventually(async () => {
      const known = await request(url('referral')).get(`/beneficiaries/${a}/sharing-consent`).set('Authorization', `Bearer ${token(CALLERS.cell_agent)}`);
      expect(known.body).toMatchObject({ sharing: true });
    });
    const refer = async () => (await command('referral', '/referrals', { beneficiaryId: a, need: 'health', partnerId: 'chr-al-farabi' }, CALLERS.cell_agent, 201))['referralId']!;
    const [toAccept, toComplete, toDecline, toRevoke] = [await refer(), await refer(), await refer(), await refer()];
    await command('referral', `/referrals/${toComplete}/accept`, {}, HOSPITAL);
    return { a, followUp, b, c, d, transferD, e, transferE, g, h, x, toAccept, toComplete, toDecline, toRevoke, training: await seedTraining() };
  };

  const seedTraining = async (): Promise<World['training']> => {
    const train = (path: string, body: unknown, status = 200) => command('capacity-building', path, body, CALLERS.trainer, status);
    const programme = (await train('/programmes', { title: 'Accueil des MRE', objectives: 'Recevoir et orienter', targetActorTypes: ['cell_officer'], minAttendance: 0 }, 201))['programmeId']!;
    const pastSession = async () =>
      (await train('/sessions', { programmeId: programme, cellId: 'oujda', startDate: inDays(-10), endDate: inDays(-6), capacity: 5, trainer: 'Samira Benali', modality: 'in_person' }, 201))['sessionId']!;
    const participant = async (firstName: string) =>
      (await train('/participants', { actorType: 'cell_officer', organisation: 'Cellule d’Oujda', commune: 'oujda', sex: 'female', names: { firstName, lastName: 'Benali' } }, 201))['participantId']!;
    const [session, toClose] = [await pastSession(), await pastSession()];
    const [attendee, leaving, newcomer] = [await participant('Amina'), await participant('Leila'), await participant('Nadia')];
    for (const enrolled of [attendee, leaving]) await train(`/sessions/${session}/enrolments`, { participantId: enrolled });
    await train(`/sessions/${toClose}/enrolments`, { participantId: attendee });
    // A certificate: a third session closed (threshold 0), its code indexed for the public check.
    const certified = await pastSession();
    await train(`/sessions/${certified}/enrolments`, { participantId: attendee });
    const certificate = (await train(`/sessions/${certified}/close`, {}))['certificates'] as unknown as { code: string }[];
    const code = certificate[0]!.code;
    await eventually(async () => expect((await request(url('capacity-building')).get(`/certificates/${code}`)).status).toBe(200));
    return { programme, session, attendee, leaving, newcomer, toClose, certificate: code };
  };

  beforeAll(async () => {
    test = await startTestNetwork('openapi-conformance');
    for (const caller of [...Object.values(CALLERS), HOSPITAL, NADOR_AGENT]) tokens.set(JSON.stringify(caller), await issueToken(test.config, caller));
    routes = networkRoutes(test.network);
    for (const service of SERVICES) documents[service] = (await (await fetch(`${url(service)}/docs/openapi.json`)).json()) as Document;
    world = await seed();
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('knows a valid request for every route but those added since (each must parse with its own schema)', () => {
    const valid = validRequests(world);
    for (const [name, { body }] of Object.entries(valid)) {
      const route = routes.find((candidate) => describeRoute(candidate) === name);
      expect({ name, route: route !== undefined }).toEqual({ name, route: true });
      if (route?.body) expect({ name, parses: route.body.safeParse(body).success }).toEqual({ name, parses: true });
    }
  });

  describe.each(SERVICES)('%s', (service) => {
    const operationOf = (route: NetworkRoute): Operation | undefined => documents[service]!.paths[openApiPath(route.path)]?.[route.method];
    const serviceRoutes = () => routes.filter((route) => route.service === service);

    it('documents every route it serves, and nothing else', () => {
      const served = serviceRoutes().map((route) => `${route.method} ${openApiPath(route.path)}`).sort();
      const documented = Object.entries(documents[service]!.paths)
        .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
        .sort();
      expect(documented).toEqual(served);
    });

    it('documents, for every operation, what a generated client or fuzzer needs', () => {
      const document = documents[service]!;
      const gaps: string[] = [];
      expect(document.components?.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      for (const route of serviceRoutes()) {
        const where = describeRoute(route);
        const operation = operationOf(route)!;
        const statuses = Object.keys(operation.responses);
        const need = (status: number) => !statuses.includes(String(status)) && gaps.push(`${where}: no ${status}`);
        const parameter = (name: string, place = 'header') => operation.parameters?.find((p) => p.in === place && p.name === name);
        if (allowedRoles(route).length > 0) {
          if (JSON.stringify(operation.security) !== JSON.stringify([{ bearer: [] }])) gaps.push(`${where}: no bearer security`);
          [401, 403, 429].forEach(need);
        }
        for (const name of route.uuidParams) {
          if (parameter(name, 'path')?.schema?.['format'] !== 'uuid') gaps.push(`${where}: ${name} without format uuid`);
          need(400);
        }
        if (route.method === 'post') {
          [400, 413, 415].forEach(need);
          const body = operation.requestBody?.content['application/json']?.schema;
          if (!body) gaps.push(`${where}: no application/json request body`);
          for (const open of openObjects(body)) gaps.push(`${where}: ${open} takes unknown properties`);
        }
        if (route.command) {
          [409, 412].forEach(need);
          const key = parameter('Idempotency-Key');
          if (!key?.required || key.schema?.['pattern'] !== '^[\\x21-\\x7e]{8,195}$') gaps.push(`${where}: Idempotency-Key ${JSON.stringify(key)}`);
          if (!parameter('If-Match')?.schema?.['pattern']) gaps.push(`${where}: If-Match without pattern`);
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          const content = Object.entries(response.content ?? {});
          if (content.length === 0 || content.some(([, media]) => !media.schema)) gaps.push(`${where}: ${status} without a schema`);
          if (/^4/.test(status) && (content.length !== 1 || content[0]![0] !== 'application/problem+json')) gaps.push(`${where}: ${status} not problem details`);
        }
      }
      expect(gaps).toEqual([]);
    });

    it('answers 405 with Allow to a method a documented path does not take', async () => {
      const wrong: string[] = [];
      for (const [path, item] of Object.entries(documents[service]!.paths)) {
        const methods = Object.keys(item).map((method) => method.toUpperCase());
        const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : [])])].sort().join(', ');
        const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'cellId' ? 'oujda' : name === 'code' ? 'health' : NOWHERE));
        for (const method of (['get', 'post', 'put', 'patch', 'delete'] as const).filter((candidate) => !methods.includes(candidate.toUpperCase()))) {
          const response = await request(url(service))[method](concrete);
          const answer = { status: response.status, allow: response.headers['allow'], code: (response.body as { code?: string }).code, type: String(response.headers['content-type']).split(';')[0] };
          const expected = { status: 405, allow, code: 'METHOD_NOT_ALLOWED', type: 'application/problem+json' };
          if (JSON.stringify(answer) !== JSON.stringify(expected)) wrong.push(`${method.toUpperCase()} ${path}: ${JSON.stringify(answer)}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('answers every request to every route as its document says, error answers included', async () => {
      await checkResponsesAgainstOpenApiOf(url(service));
      const failures: string[] = [];
      const seen: string[] = [];
      const valid = validRequests(world);

      for (const route of serviceRoutes()) {
        const where = describeRoute(route);
        const operation = operationOf(route)!;
        const binding = valid[`${route.service} ${route.method.toUpperCase()} ${route.path}`];
        const roles = allowedRoles(route);
        const caller = binding?.caller ?? (roles[0] ? CALLERS[roles[0]] : undefined);
        const outsider = ROLES.find((role) => !roles.includes(role));
        const purpose = operation.parameters?.some((p) => p.name === 'X-Purpose');
        const path = (params: Record<string, string> = binding?.params ?? {}) => concretePath(route.path, params);
        const body = binding?.body;

        /** A request as a client of the route sends it: its token, a fresh key, X-Purpose; each probe changes one thing. */
        const call = (
          options: { caller?: TokenRequest | null; authorization?: string; path?: string; headers?: Record<string, string>; omit?: string[]; query?: Record<string, string> } = {},
        ): request.Test => {
          const req = request(url(service))[route.method](options.path ?? path()).query(options.query ?? binding?.query ?? {});
          const who = options.caller === undefined ? caller : options.caller;
          const headers: Record<string, string> = {
            ...(who ? { Authorization: `Bearer ${token(who)}` } : {}),
            ...(options.authorization ? { Authorization: options.authorization } : {}),
            ...(route.command ? { 'Idempotency-Key': newKey() } : {}),
            ...(purpose ? { 'X-Purpose': 'casework' } : {}),
            ...binding?.headers,
            ...options.headers,
          };
          for (const name of options.omit ?? []) delete headers[name];
          return req.set(headers);
        };
        const check = (probe: string, response: request.Response, expected?: number[]) => {
          const label = `${where} [${probe}] → ${response.status} ${(response.body as { code?: string })?.code ?? ''}`;
          seen.push(label);
          try {
            expect(response).toSatisfyApiSpec();
          } catch (error) {
            failures.push(`${label}: ${(error as Error).message.split('\n').slice(1).filter(Boolean).join(' ').slice(0, 600)}`);
          }
          const documented = Object.keys(operation.responses[String(response.status)]?.content ?? {});
          const type = String(response.headers['content-type'] ?? '').split(';')[0]!;
          if (documented.length > 0 && !documented.includes(type)) failures.push(`${label}: content type ${type}, documented ${documented.join(', ')}`);
          if (response.status >= 400) {
            const problem = response.body as { code?: string; status?: number };
            if (!SCREAMING_SNAKE.test(problem.code ?? '') || problem.status !== response.status) failures.push(`${label}: not a problem with a stable code: ${response.text.slice(0, 200)}`);
          }
          if (response.status >= 500) failures.push(`${label}: server error ${response.text.slice(0, 300)}`);
          if (expected && !expected.includes(response.status)) failures.push(`${label}: expected ${expected.join(' or ')}`);
          return response;
        };
        const send = async (req: request.Test, payload: unknown): Promise<request.Response> => (payload === undefined ? req : req.send(payload as object));
        const sendRaw = async (req: request.Test, text: string, type = 'application/json'): Promise<request.Response> => req.set('Content-Type', type).send(text);

        // Who calls.
        if (roles.length > 0) {
          check('no token', await send(call({ caller: null }), body), [401]);
          check('not a token', await send(call({ caller: null, authorization: 'Bearer not-a-token' }), body), [401]);
          check('basic auth', await send(call({ caller: null, authorization: 'Basic dXNlcjpwYXNz' }), body), [401]);
          if (outsider) check(`role ${outsider}`, await send(call({ caller: CALLERS[outsider] as TokenRequest }), body), [403]);
        }

        // Which resource.
        for (const name of route.uuidParams) {
          const params = { ...binding?.params, [name]: 'not-a-uuid' };
          const refused = check(`${name} not a UUID`, await send(call({ path: path(params) }), body), [400]);
          if (refused.body?.code !== 'VALIDATION_FAILED') failures.push(`${where} [${name} not a UUID]: ${refused.body?.code}`);
          check(`${name} nowhere`, await send(call({ path: path({ ...binding?.params, [name]: NOWHERE }) }), body));
        }
        if (purpose) {
          check('no X-Purpose', await send(call({ omit: ['X-Purpose'] }), undefined), [400]);
          check('X-Purpose not in the list', await send(call({ headers: { 'X-Purpose': 'curiosity' } }), undefined), [400]);
        }
        for (const parameter of operation.parameters?.filter((p) => p.in === 'query') ?? []) {
          const bad = parameter.schema?.['type'] === 'integer' ? '-1.5' : '\u0000 not valid';
          check(`query ${parameter.name}=${JSON.stringify(bad)}`, await send(call({ query: { ...binding?.query, [parameter.name]: bad } }), undefined));
        }
        if (route.method === 'get') check('unknown query parameter', await send(call({ query: { ...binding?.query, unexpected: 'x' } }), undefined));

        // What is sent.
        if (route.method === 'post') {
          const validBody = body ?? {};
          check('body not an object', await send(call(), [validBody]), [400]);
          check('unknown field', await send(call(), { ...validBody, unexpected: true }), [400]);
          check('__proto__ field', await sendRaw(call(), JSON.stringify(validBody).replace(/^\{/, '{"__proto__":{"admin":true},').replace(',}', '}')), [400]);
          check('wrong types', await send(call(), Object.fromEntries(Object.keys(validBody as object).map((k) => [k, 12345]).concat([['note', [] as never]]))), [400]);
          // No body, though sent as JSON: 400 where the body is required, as documented (an optional one is the valid request's business).
          if (operation.requestBody?.required) check('empty JSON body', await sendRaw(call(), ''), [400]);
          check('malformed JSON', await sendRaw(call(), '{"note": '), [400]);
          check('duplicate key', await sendRaw(call(), '{"note":"a","note":"b"}'), [400]);
          check('nested too deep', await sendRaw(call(), `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`), [400]);
          check('text/plain', await sendRaw(call(), JSON.stringify(validBody), 'text/plain'), [415]);
          check('form', await sendRaw(call(), 'note=x', 'application/x-www-form-urlencoded'), [415]);
          check('another JSON type', await sendRaw(call(), JSON.stringify(validBody), 'application/vnd.api+json'), [415]);
          check('unsupported charset', await sendRaw(call(), JSON.stringify(validBody), 'application/json; charset=latin1'), [415]);
          check('unsupported encoding', await sendRaw(call().set('Content-Encoding', 'compress'), JSON.stringify(validBody)), [415]);
          check('over the body limit', await sendRaw(call(), JSON.stringify({ note: 'x'.repeat(110 * 1024) })), [413]);
        }

        // The command headers.
        if (route.command) {
          check('no Idempotency-Key', await send(call({ omit: ['Idempotency-Key'] }), body), [400]);
          check('Idempotency-Key of 196', await send(call({ headers: { 'Idempotency-Key': 'k'.repeat(196) } }), body), [400]);
          check('Idempotency-Key too short', await send(call({ headers: { 'Idempotency-Key': 'short' } }), body), [400]);
          check('If-Match not an ETag', await send(call({ headers: { 'If-Match': 'three' } }), body), [400]);
          check('X-Correlation-Id with spaces', await send(call({ headers: { 'X-Correlation-Id': 'a b' } }), body), [400]);
          if (binding) check('stale If-Match', await send(call({ headers: { 'If-Match': '"999999"' } }), body), [412]);
        }

        // The valid request: a 2xx, its retry, and its key reused with another body.
        if (binding) {
          const key = newKey();
          const valid = call({ headers: route.command ? { 'Idempotency-Key': key } : {} });
          const done = check('valid', await send(binding.stream ? firstMessageOf(valid) : valid, body));
          if (!/^2/.test(String(done.status))) failures.push(`${where} [valid]: ${done.status} ${done.text.slice(0, 300)}`);
          if (route.command) {
            check('retry', await send(call({ headers: { 'Idempotency-Key': key } }), body), [done.status]);
            const other = anotherBody(route, body);
            if (other !== undefined) check('key reused with another body', await send(call({ headers: { 'Idempotency-Key': key } }), other), [409]);
          }
        } else {
          check('as its policy allows', await send(call(), route.method === 'post' ? {} : undefined));
        }
      }

      expect(failures).toEqual([]);
      expect(seen.length).toBeGreaterThan(serviceRoutes().length * 3);
    }, 120_000);
  });
});

describe('the rate limit’s answer matches the document', () => {
  let dataDir: string;
  let service: RunningService;
  let agent: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'openapi-conformance-429-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '2' });
    service = await startService(intakeService, { config, infrastructure: await openInfrastructure(config, 'intake'), port: 0, logger: new JsonLogger('intake', 'error') });
    agent = await issueToken(config, CALLERS.cell_agent);
    await checkResponsesAgainstOpenApiOf(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 429 RATE_LIMITED with Retry-After, as problem details the document describes, on a read and on a command', async () => {
    const read = () => request(service.url).get(`/beneficiaries/${NOWHERE}`).set({ Authorization: `Bearer ${agent}`, 'X-Purpose': 'casework' });
    await read().expect(404);
    await read().expect(404);
    const limited = await read();
    const refused = await request(service.url).post('/beneficiaries').set({ Authorization: `Bearer ${agent}`, 'Idempotency-Key': newKey() }).send(aRegistrationBody());
    for (const response of [limited, refused]) {
      expect({ status: response.status, code: response.body.code, retryAfter: Number(response.headers['retry-after']) > 0 }).toEqual({ status: 429, code: 'RATE_LIMITED', retryAfter: true });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response).toSatisfyApiSpec();
    }
  });
});
