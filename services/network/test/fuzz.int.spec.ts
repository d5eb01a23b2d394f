import { aRegistrationBody } from '@oriental/intake/testing';
import { CORRELATION_ID_PATTERN, IDEMPOTENCY_KEY_PATTERN, IF_MATCH_PATTERN, issueToken, TokenRequest, ZodBodyPipe } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import fc from 'fast-check';
import request from 'supertest';
import { allowedRoles, CALLERS, concretePath, describeRoute, logHead, NetworkRoute, networkRoutes, NOWHERE, startTestNetwork, TestNetwork } from './network-routes';

/**
 * A property-based fuzz of every command endpoint (every POST route of the four services): each
 * request is malformed by construction (arbitrary JSON, unknown and prototype keys, wrong types,
 * huge strings, deep nesting, NUL, controls, bidi overrides, lone surrogates and blank text,
 * malformed JSON text, bad Idempotency-Key, If-Match and X-Correlation-Id, other content types),
 * sent with a token of a role the route allows, on cases that exist (so anything that slipped past
 * validation would be decided and appended). Every answer must be 400, 413 or 415 problem details
 * with a stable SCREAMING_SNAKE code, and the event store's log must not move.
 *
 * The seed is fixed, so a run is repeatable; FUZZ_SEED=<n> tries another, FUZZ_RUNS=<n> more
 * requests. A failure prints the seed, the shrunk request and the answer.
 */

const SEED = Number(process.env['FUZZ_SEED'] ?? 20260715);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);
const SCREAMING_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
/** Over the JSON parser's limit (100kb): 413. */
const OVER_LIMIT = 101 * 1024;

interface FuzzRequest {
  kind: string;
  /**
   * Whether chance may have made it valid (arbitrary JSON, a random key that a schema names, a
   * malformed-looking text JSON reads fine): such a request is not sent when it would pass. The
   * others are malformed by construction (a bad text, a huge string, a wrong type, deep nesting, a
   * bad header, another content type): a schema that takes them is what the fuzz is for.
   */
  byChance?: boolean;
  route: string;
  path: string;
  contentType?: string;
  headers: Record<string, string>;
  /** The body exactly as sent. */
  text: string;
}

let keys = 0;
const newKey = () => `fuzz-${process.pid}-${++keys}`;

/** What a string in a field may be made of to be refused: hidden, reordering or not text at all. */
const badText = fc.oneof(
  fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f').map((c) => ({ insert: c })),
  fc.constantFrom('\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069').map((c) => ({ insert: c })),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => ({ insert: String.fromCharCode(code) })),
  fc.constantFrom('', ' ', '   ', '\t', '\u200b', '\u200b\u200c\u200d', '\ufeff', '\u00a0\u2060', '\u3000').map((whole) => ({ whole })),
);

/** A JSON value of another type than `value`'s. */
const otherType = (value: unknown): fc.Arbitrary<unknown> => {
  const kinds: fc.Arbitrary<unknown>[] = [];
  if (typeof value !== 'string') kinds.push(fc.string({ maxLength: 20 }));
  if (typeof value !== 'number') kinds.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e308, -0, 2 ** 53 + 1)));
  if (typeof value !== 'boolean') kinds.push(fc.boolean());
  if (value !== null) kinds.push(fc.constant(null));
  if (!Array.isArray(value)) kinds.push(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) kinds.push(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }));
  return fc.oneof(...kinds);
};

type Path = (string | number)[];

/** Every leaf of a JSON value, with its path (arrays and objects included, so a whole part can be swapped). */
const pathsOf = (value: unknown, path: Path = []): { path: Path; value: unknown }[] => {
  const own = path.length > 0 ? [{ path, value }] : [];
  if (value === null || typeof value !== 'object') return own;
  return [...own, ...Object.entries(value).flatMap(([key, child]) => pathsOf(child, [...path, Array.isArray(value) ? Number(key) : key]))];
};

const setAt = (value: unknown, path: Path, replacement: unknown): unknown => {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? setAt(item, rest, replacement) : item));
  const object = (value ?? {}) as Record<string, unknown>;
  return { ...object, [head!]: setAt(object[head as string], rest, replacement) };
};

/** How a counterexample prints: its body cut short (a huge one would fill the report). */
const printable = (fuzz: FuzzRequest): FuzzRequest =>
  Object.defineProperty(fuzz, fc.toStringMethod, {
    enumerable: false,
    value: () => JSON.stringify({ ...fuzz, text: fuzz.text.length > 400 ? `${fuzz.text.slice(0, 400)}… (${fuzz.text.length} characters)` : fuzz.text }),
  });

/** Text nested `depth` levels of arrays and objects. */
const nested = (depth: number, arrays: boolean): string => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('fuzz: malformed requests to every command endpoint', () => {
  let test: TestNetwork;
  let commands: NetworkRoute[];
  /** A valid body per command (with its free-text fields filled, for the text mutations to land on). */
  let samples: Record<string, unknown>;
  let params: Record<string, string>;
  /** A referral route's :id is the referral. */
  let referralParams: Record<string, string>;
  /** A session route's :id is a session with a participant enrolled (:participantId). */
  let sessionParams: Record<string, string>;
  const tokens = new Map<string, string>();
  const seen = new Map<string, number>();
  let sent = 0;

  const callerOf = (route: NetworkRoute): TokenRequest => {
    const roles = allowedRoles(route);
    // Staff of the case's cell where the route lets them (they see every case seeded), else its first role.
    const role = (['cell_agent', 'cell_supervisor'] as const).find((candidate) => roles.includes(candidate)) ?? roles[0]!;
    return CALLERS[role];
  };

  beforeAll(async () => {
    test = await startTestNetwork('fuzz');
    for (const caller of Object.values(CALLERS)) tokens.set(caller.role, await issueToken(test.config, caller));
    const url = (service: string) => test.network.urls[service]!;
    const post = async (service: string, path: string, body: unknown, status: number) => {
      const response = await request(url(service)).post(path).set({ Authorization: `Bearer ${tokens.get('cell_agent')}`, 'Idempotency-Key': newKey() }).send(body as object);
      if (response.status !== status) throw new Error(`seeding ${path}: ${response.status} ${response.text}`);
      return response.body as Record<string, string>;
    };

    // One case of each kind the routes act on: whatever slipped past validation would be decided on it.
    const a = (await post('intake', '/beneficiaries', aRegistrationBody({ consent: { services: true, sharing: true, statistics: true } }), 201))['beneficiaryId']!;
    const b = (await post('intake', '/beneficiaries', aRegistrationBody({ person: { firstName: 'Youssef', lastName: 'Alaoui' } }), 201))['beneficiaryId']!;
    await post('intake', `/beneficiaries/${a}/needs`, { needs: [{ code: 'health', priority: 'high' }] }, 200);
    const followUp = (await post('intake', `/beneficiaries/${a}/follow-ups`, { dueDate: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10) }, 201))['followUpId']!;
    await eventually(async () => {
      const known = await request(url('referral')).get(`/beneficiaries/${a}/sharing-consent`).set('Authorization', `Bearer ${tokens.get('cell_agent')}`);
      expect(known.body).toMatchObject({ sharing: true });
    });
    const referral = (await post('referral', '/referrals', { beneficiaryId: a, need: 'health', partnerId: 'chr-al-farabi' }, 201))['referralId']!;
    // A programme, a session under way and a participant enrolled in it: a training command that slipped past validation would append.
    const train = async (path: string, body: unknown, status: number) => {
      const response = await request(url('capacity-building')).post(path).set({ Authorization: `Bearer ${tokens.get('trainer')}`, 'Idempotency-Key': newKey() }).send(body as object);
      if (response.status !== status) throw new Error(`seeding ${path}: ${response.status} ${response.text}`);
      return response.body as Record<string, string>;
    };
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const programme = (await train('/programmes', { title: 'Accueil des MRE', objectives: 'Recevoir et orienter', targetActorTypes: ['cell_officer'], minAttendance: 0.5 }, 201))['programmeId']!;
    const session = (await train('/sessions', { programmeId: programme, cellId: 'oujda', startDate: day(-5), endDate: day(5), capacity: 5, trainer: 'Samira Benali', modality: 'in_person' }, 201))['sessionId']!;
    const participant = (await train('/participants', { actorType: 'cell_officer', organisation: 'Cellule d’Oujda', commune: 'oujda', sex: 'female', names: { firstName: 'Amina', lastName: 'Benali' } }, 201))['participantId']!;
    await train(`/sessions/${session}/enrolments`, { participantId: participant }, 200);

    commands = networkRoutes(test.network).filter((route) => route.method === 'post');
    params = { id: a, otherId: b, followUpId: followUp, transferId: NOWHERE, code: 'health' };
    const note = 'Rendez-vous pris à 10 h.\nTéléphone confirmé.';
    samples = {
      'intake POST /beneficiaries': aRegistrationBody({
        person: { firstName: 'Karim', lastName: 'Tazi', phone: '+212611111111', address: '3 rue Zerktouni, Oujda', documentNumbers: [{ kind: 'cnie', number: 'F123456' }], notes: note },
      }),
      'intake POST /beneficiaries/:id/profile': { person: { firstName: 'Amina', address: '12 rue Al Massira, Oujda', notes: note } },
      'intake POST /beneficiaries/:id/consents': { purpose: 'statistics', given: true },
      'intake POST /beneficiaries/:id/needs': { needs: [{ code: 'housing', priority: 'low' }] },
      'intake POST /beneficiaries/:id/follow-ups': { dueDate: '2099-01-01', note },
      'intake POST /beneficiaries/:id/follow-ups/:followUpId/outcome': { outcome: 'held', note },
      'intake POST /beneficiaries/:id/transfers': { toCellId: 'nador', reason: 'moved', note },
      'intake POST /beneficiaries/:id/transfers/:transferId/accept': { note },
      'intake POST /beneficiaries/:id/transfers/:transferId/decline': { note },
      'intake POST /beneficiaries/:id/close': { reason: 'resolved', note },
      'intake POST /beneficiaries/:id/reopen': { note },
      'intake POST /beneficiaries/:id/erasure': { reason: 'person_request' },
      'referral POST /referrals': { beneficiaryId: a, need: 'health', partnerId: 'chr-al-farabi', note, override: { reason: 'Urgence médicale' } },
      'referral POST /referrals/:id/accept': { note },
      'referral POST /referrals/:id/decline': { reason: 'no_capacity', note },
      'referral POST /referrals/:id/complete': { outcome: 'resolved', note },
      'referral POST /referrals/:id/revoke': { reason: 'sent_in_error', note },
      'capacity-building POST /programmes': { title: 'Orientation des MRE', objectives: note, targetActorTypes: ['cell_officer', 'elected_official'], minAttendance: 0.8 },
      'capacity-building POST /sessions': { programmeId: programme, cellId: 'oujda', startDate: day(10), endDate: day(12), capacity: 12, trainer: 'Samira Benali', modality: 'remote' },
      'capacity-building POST /participants': { actorType: 'civil_society_member', organisation: 'Association Oujda Solidarité', commune: 'oujda', sex: 'male', names: { firstName: 'Karim', lastName: 'Tazi' } },
      'capacity-building POST /sessions/:id/enrolments': { participantId: participant },
      'capacity-building POST /sessions/:id/attendance': { participantId: participant, day: day(-1), present: true },
      'capacity-building POST /sessions/:id/evaluations': { participantId: participant, phase: 'pre', score: 42.5 },
    };
    referralParams = { ...params, id: referral };
    sessionParams = { ...params, id: session, participantId: participant };
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  /** The ids a route's path takes: the seeded referral's, session's or case's. */
  const paramsOf = (path: string): Record<string, string> => (path.startsWith('/referrals/') ? referralParams : path.startsWith('/sessions/') ? sessionParams : params);

  /** Whether the request would pass every check if it were sent: then it is not malformed, and is not sent. */
  const wellFormed = (route: NetworkRoute, fuzz: FuzzRequest): boolean => {
    if (!IDEMPOTENCY_KEY_PATTERN.test(fuzz.headers['Idempotency-Key']?.trim() ?? '')) return false;
    const ifMatch = fuzz.headers['If-Match']?.trim();
    if (ifMatch && !IF_MATCH_PATTERN.test(ifMatch)) return false;
    const correlation = fuzz.headers['X-Correlation-Id'];
    if (correlation !== undefined && !CORRELATION_ID_PATTERN.test(correlation.trim())) return false;
    // No body at all, whatever its content type says: as valid as the schema finds an absent body.
    if (fuzz.text === '') return !route.body || route.body.safeParse(undefined).success;
    if (fuzz.contentType !== 'application/json') return false;
    let body: unknown;
    try {
      // A leading byte order mark is ignored, as RFC 8259 lets a parser do.
      body = JSON.parse(fuzz.text.replace(/^\ufeff/, ''));
    } catch {
      return false;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.byteLength(fuzz.text) > 100 * 1024) return false;
    if (!route.body) return true;
    try {
      new ZodBodyPipe(route.body).transform(body);
      return true;
    } catch {
      return false;
    }
  };

  /** A malformed request to one route: one thing wrong, the rest as a client sends it. */
  const malformed = (route: NetworkRoute): fc.Arbitrary<FuzzRequest> => {
    const name = describeRoute(route);
    const sample = samples[name] ?? {};
    const leaves = pathsOf(sample);
    const stringLeaves = leaves.filter((leaf) => typeof leaf.value === 'string');
    /** `contentType` null: none sent. */
    const base = (kind: string, text: string, headers: Record<string, string> = {}, contentType: string | null = 'application/json'): FuzzRequest =>
      printable({
        kind,
        route: name,
        path: concretePath(route.path, paramsOf(route.path)),
        ...(contentType !== null ? { contentType } : {}),
        headers: { 'Idempotency-Key': newKey(), ...headers },
        text,
      });
    const sampleText = JSON.stringify(sample);
    const anyLeaf = leaves.length > 0 ? fc.constantFrom(...leaves) : fc.constant({ path: ['note'] as Path, value: undefined as unknown });
    const anyText = stringLeaves.length > 0 ? fc.constantFrom(...stringLeaves) : fc.constant({ path: ['note'] as Path, value: 'note' as unknown });
    /** Key names a schema never has, prototype machinery first. */
    const strangeKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf', ''), fc.string({ minLength: 1, maxLength: 12 }));

    const arbitraries: fc.Arbitrary<FuzzRequest>[] = [
      // Arbitrary JSON values, of any type and shape.
      fc.jsonValue({ maxDepth: 4 }).map((value) => printable({ ...base('arbitrary JSON', JSON.stringify(value) ?? 'null'), byChance: true })),
      // Unknown and prototype keys, at the top or inside the body.
      fc
        .tuple(anyLeaf, strangeKey, fc.jsonValue({ maxDepth: 2 }), fc.boolean())
        .map(([leaf, key, value, top]) => {
          const at = top || leaf.value === null || typeof leaf.value !== 'object' || Array.isArray(leaf.value) ? [] : leaf.path;
          const text = JSON.stringify(setAt(sample, at, { ...(at.length > 0 ? (leaf.value as object) : (sample as object)), ['\u0001KEY']: value }));
          return printable({ ...base('unknown key', text.replace('"\\u0001KEY"', JSON.stringify(key))), byChance: true });
        }),
      // A field of the wrong type.
      anyLeaf.chain((leaf) => otherType(leaf.value).map((value) => base(`wrong type at ${leaf.path.join('.')}`, JSON.stringify(setAt(sample, leaf.path, value))))),
      // Huge strings: past a field's limit, or past the body's.
      fc
        .tuple(anyText, fc.oneof(fc.integer({ min: 2001, max: 60_000 }), fc.constant(OVER_LIMIT)), fc.constantFrom('x', 'é', '😀', ' '))
        .map(([leaf, length, unit]) => base(`huge string (${length}) at ${leaf.path.join('.')}`, JSON.stringify(setAt(sample, leaf.path, unit.repeat(length))))), // lengths count code points, as schemas do
      // Deep nesting in a field.
      fc
        .tuple(anyLeaf, fc.oneof(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 41, max: 20_000 })), fc.boolean())
        .map(([leaf, depth, arrays]) => base(`nested ${depth} at ${leaf.path.join('.')}`, JSON.stringify(setAt(sample, leaf.path, '\u0001NEST')).replace('"\\u0001NEST"', nested(depth, arrays)))),
      // NUL, controls, bidi overrides, lone surrogates, blank text in a string field.
      fc.tuple(anyText, badText, fc.nat()).map(([leaf, bad, at]) => {
        const text = String(leaf.value ?? '');
        const value = 'whole' in bad ? bad.whole : `${text.slice(0, at % (text.length + 1))}${bad.insert}${text.slice(at % (text.length + 1))}`;
        return base(`bad text at ${leaf.path.join('.')}: ${JSON.stringify(bad)}`, JSON.stringify(setAt(sample, leaf.path, value)));
      }),
      // Malformed JSON text.
      fc
        .oneof(
          fc.constantFrom('', ' ', '{', '}', '{"a":', '{"a" 1}', "{'a': 1}", '{"a":1,}', '[1,]', '{"a":NaN}', '{"a":Infinity}', '{"a":undefined}', '{/* c */}', '\ufeff{}', 'null', 'true', '"text"', '0'),
          fc.string({ maxLength: 40 }),
          fc.nat({ max: 10_000 }).map((cut) => sampleText.slice(0, cut % Math.max(sampleText.length, 1))),
          fc.constant(`${sampleText}garbage`),
          fc.constant(`${sampleText}${sampleText}`),
        )
        .map((text) => printable({ ...base('malformed JSON', text), byChance: true })),
      // A key named twice (the same value: valid once, refused twice).
      fc.constant(sampleText.length > 2 ? sampleText.replace(/^\{("[^"]+":("[^"]*"|[^,{}[\]]+))/, '{$1,$1') : '{"note":"a","note":"a"}').map((text) => printable({ ...base('duplicate key', text), byChance: true })),
      // A valid body with a bad Idempotency-Key.
      fc
        .oneof(
          fc.constantFrom('', 'short', 'k'.repeat(7), 'k'.repeat(196), 'k'.repeat(255), 'k'.repeat(1000), 'with space inside', 'tab\tinside!', 'caf\u00e9-caf\u00e9'),
          fc.string({ minLength: 1, maxLength: 300 }).filter((key) => /^[\x20-\x7e\t]*$/.test(key)),
        )
        .filter((key) => !IDEMPOTENCY_KEY_PATTERN.test(key.trim()))
        .map((key) => base(`Idempotency-Key ${JSON.stringify(key.slice(0, 30))}`, sampleText, { 'Idempotency-Key': key })),
      // A valid body without an Idempotency-Key.
      fc.constant(null).map(() => {
        const fuzz = base('no Idempotency-Key', sampleText);
        delete fuzz.headers['Idempotency-Key'];
        return fuzz;
      }),
      // A valid body with a bad If-Match or X-Correlation-Id.
      fc
        .tuple(
          fc.constantFrom('If-Match', 'X-Correlation-Id'),
          fc.oneof(fc.constantFrom('3', '"-1"', '"1.5"', "'3'", 'W/3', '"3', '*', '"1234567890123456"', '"3", "4"', 'a b', 'x'.repeat(201)), fc.string({ minLength: 1, maxLength: 40 }).filter((v) => /^[\x20-\x7e]*$/.test(v))),
        )
        .filter(([header, value]) => value.trim() !== '' && !(header === 'If-Match' ? IF_MATCH_PATTERN : CORRELATION_ID_PATTERN).test(value.trim()))
        .map(([header, value]) => base(`${header} ${JSON.stringify(value.slice(0, 30))}`, sampleText, { [header]: value })),
      // A valid body in another content type, charset or encoding.
      fc
        .oneof(
          fc.constantFrom(
            'text/plain',
            'text/json',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/vnd.api+json',
            'application/merge-patch+json',
            'application/jsonx',
            'json',
            'application/json; charset=latin1',
            'application/json; charset=utf-16',
            'application/json; charset=utf-32',
            'application/json; charset=nonsense',
          ),
          fc.constant(null),
        )
        .map((contentType) => base(`content type ${String(contentType)}`, sampleText, {}, contentType)),
      fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'identity, gzip', 'x-unknown').map((encoding) => base(`Content-Encoding ${encoding}`, sampleText, { 'Content-Encoding': encoding })),
    ];
    return fc.oneof(...arbitraries);
  };

  /** Sends one request; answers why it fails the property (not 400/413/415 problem details, or an append), if it does. */
  const sendFuzz = async (fuzz: FuzzRequest): Promise<string | undefined> => {
    const route = byName().get(fuzz.route)!;
    const before = await logHead(test.store);
    const headers: Record<string, string> = { Authorization: `Bearer ${tokens.get(callerOf(route).role)!}`, ...fuzz.headers, ...(fuzz.contentType !== undefined ? { 'Content-Type': fuzz.contentType } : {}) };
    const response = await fetch(`${test.network.urls[route.service]}${fuzz.path}`, { method: 'POST', headers, body: Buffer.from(fuzz.text, 'utf8') });
    sent++;
    perRoute.set(fuzz.route, (perRoute.get(fuzz.route) ?? 0) + 1);
    const text = await response.text();
    let problem: { code?: string; status?: number } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // Reported below: not problem details.
    }
    const answer = { status: response.status, type: response.headers.get('content-type'), code: problem.code, problemStatus: problem.status };
    seen.set(`${answer.status} ${answer.code}`, (seen.get(`${answer.status} ${answer.code}`) ?? 0) + 1);
    const ok = [400, 413, 415].includes(answer.status) && /^application\/problem\+json/.test(answer.type ?? '') && SCREAMING_SNAKE.test(answer.code ?? '') && answer.problemStatus === answer.status;
    const after = await logHead(test.store);
    if (!ok) return `${fuzz.route} [${fuzz.kind}] answered ${JSON.stringify(answer)}: ${text.slice(0, 300)}`;
    if (after.events !== before.events) return `${fuzz.route} [${fuzz.kind}] appended ${after.events - before.events} event(s)`;
    return undefined;
  };
  let routesByName: Map<string, NetworkRoute> | undefined;
  const byName = () => (routesByName ??= new Map(commands.map((route) => [describeRoute(route), route])));
  const perRoute = new Map<string, number>();

  it(`answers ${RUNS} malformed requests across every command endpoint with 400, 413 or 415 problem details, and appends nothing (seed ${SEED})`, async () => {
    expect(commands.length).toBeGreaterThanOrEqual(17);
    const head = await logHead(test.store);
    const started = Date.now();
    let firstFailure: string | undefined;
    // The counterexample a failure prints is the request alone: route name, path, headers, body text.
    const arbitrary = fc.constantFrom(...commands).chain(malformed);

    const property = fc.asyncProperty(arbitrary, async (fuzz) => {
      fc.pre(!(fuzz.byChance && wellFormed(byName().get(fuzz.route)!, fuzz)));
      const failure = await sendFuzz(fuzz);
      if (failure) {
        // What shrinking ends on may be a later symptom (a reaction appending after the first failure): the first is kept.
        firstFailure ??= `${failure}\n  request: ${fc.stringify(fuzz)}`;
        throw new Error(failure);
      }
    });

    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS, maxSkipsPerRun: 10 });
    } catch (error) {
      const cause = `${(error as Error).cause instanceof Error ? `\nGot: ${((error as Error).cause as Error).message}` : ''}\nFirst failure: ${firstFailure ?? 'none'}`;
      throw new Error(`Fuzz failed with FUZZ_SEED=${SEED} (rerun: FUZZ_SEED=${SEED} npx jest ${__filename.replace(`${process.cwd()}/`, '')})\n${(error as Error).message}${cause}`);
    } finally {
      console.log(
        `fuzz: ${sent} requests to ${perRoute.size} command endpoints in ${((Date.now() - started) / 1000).toFixed(1)} s (FUZZ_SEED=${SEED}); answers: ${JSON.stringify(Object.fromEntries([...seen].sort((x, y) => y[1] - x[1])))}`,
      );
    }
    expect(sent).toBeGreaterThanOrEqual(Math.min(RUNS, 1000));
    // Every command endpoint had its share.
    expect(commands.filter((route) => (perRoute.get(describeRoute(route)) ?? 0) < Math.min(20, RUNS / commands.length / 2)).map(describeRoute)).toEqual([]);
    expect(await logHead(test.store)).toEqual(head);
  }, 180_000);

  /** What earlier runs found, kept as fixed cases (each answered 2xx and appended before its fix). */
  const regressions: [string, string, string, string?][] = [
    ['an empty body sent as JSON, where the body is required', 'referral POST /referrals/:id/accept', ''],
    ['an empty body sent as JSON, where the body is required', 'intake POST /beneficiaries/:id/close', ''],
    ['NUL in a referral note', 'referral POST /referrals/:id/accept', '{"note":"ok\\u0000"}'],
    ['a bidi override in an override reason', 'referral POST /referrals', 'OVERRIDE'],
    ['a lone surrogate in a referral note', 'referral POST /referrals/:id/decline', '{"reason":"no_capacity","note":"\\ud800 note"}'],
    ['a zero-width-only referral note', 'referral POST /referrals/:id/complete', '{"outcome":"resolved","note":"\\u200b\\u200b"}'],
  ];

  it.each(regressions)('refuses %s (%s) with 400, appending nothing', async (kind, route, text) => {
    const body =
      text === 'OVERRIDE' ? JSON.stringify({ ...(samples[route] as object), note: undefined, override: { reason: 'Urgence \u202emédicale' } }) : text;
    const fuzz: FuzzRequest = { kind, route, path: concretePath(byName().get(route)!.path, paramsOf(byName().get(route)!.path)), contentType: 'application/json', headers: { 'Idempotency-Key': newKey() }, text: body };
    expect(await sendFuzz(fuzz)).toBeUndefined();
  });
});
