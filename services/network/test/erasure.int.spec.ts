import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aRegistrationBody } from '@oriental/intake/testing';
import { SqliteKeyStore } from '@oriental/key-store';
import { issueToken, JsonLogger, loadConfig, ServiceConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import request from 'supertest';
import { RunningNetwork, startNetwork } from '../src/network';

/** Every file under `dir`, recursively: the stores, their -wal and -shm files, the issuer's keys, anything. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));

/** The files under `dir` whose raw bytes hold `text` (UTF-8, as every store writes it). */
const filesHolding = (dir: string, text: string): string[] => filesUnder(dir).filter((file) => readFileSync(file).includes(Buffer.from(text, 'utf8')));

// Distinctive, so that a hit is this person and nothing else.
const PHONE = '+212677889911';
const LAST_NAME = 'Zerhouniqx';
const person = { firstName: 'Ilyasse', lastName: LAST_NAME, phone: PHONE, address: `12 derb ${LAST_NAME}, Oujda`, notes: `Joignable au ${PHONE}` };
const tracesOfThePerson = [PHONE, PHONE.slice(1), PHONE.slice(4), LAST_NAME, LAST_NAME.toLowerCase()];

/**
 * Issue 7, "Checked by", after erasure: the journey shows the personal fields as erased,
 * /reports/network totals are unchanged, and neither the person's phone number nor their last
 * name occurs in plain text anywhere under DATA_DIR. The embedded network, as `npm start` runs it.
 */
describe('erasure in the embedded network', () => {
  let root: string;
  let config: ServiceConfig;
  let network: RunningNetwork | undefined;
  const tokens: Record<string, string> = {};
  const start = async () =>
    (network = await startNetwork(config, {
      logger: (service) => new JsonLogger(service, 'error'),
      ports: { intake: 0, referral: 0, 'capacity-building': 0, reporting: 0 },
    }));
  const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}`, 'X-Purpose': 'casework' });
  const intake = () => network!.urls.intake!;
  const reporting = () => network!.urls.reporting!;
  const report = async () => (await request(reporting()).get('/reports/network').set(as('auditor')).expect(200)).body;
  const journey = async (id: string) => (await request(reporting()).get(`/journeys/${id}`).set(as('auditor')).expect(200)).body;
  const command = (path: string, body: object, who = 'agent') => request(intake()).post(path).set(as(who)).set('Idempotency-Key', `erasure-network-${path}-${Date.now()}-${Math.random()}`).send(body);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'erasure-network-'));
    // The master key sits beside DATA_DIR (<DATA_DIR>.master.key), not in it.
    config = loadConfig({ DATA_DIR: join(root, 'data'), LOG_LEVEL: 'error' });
    await start();
    tokens.agent = await issueToken(config, { role: 'cell_agent', cellId: 'oujda', subject: 'agent:oujda-1' });
    tokens.supervisor = await issueToken(config, { role: 'cell_supervisor', cellId: 'oujda', subject: 'supervisor:oujda-1' });
    tokens.auditor = await issueToken(config, { role: 'auditor', subject: 'auditor:1' });
  });

  afterAll(async () => {
    await network?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('leaves the indicators and history, shows the person as erased, and no phone or last name in plain text under DATA_DIR', async () => {
    const erased = (await command('/beneficiaries', aRegistrationBody({ category: 'returnee', person })).expect(201)).body.beneficiaryId as string;
    const kept = (await command('/beneficiaries', aRegistrationBody({ person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' } })).expect(201)).body.beneficiaryId as string;
    await command(`/beneficiaries/${erased}/follow-ups`, { dueDate: '2099-12-20', note: `Rappeler ${LAST_NAME}` }).expect(201);
    await command(`/beneficiaries/${erased}/profile`, { person: { phone: PHONE } }).expect(200);
    const before = await eventually(async () => {
      const body = await report();
      expect(body.beneficiaries.total).toBe(2);
      return body;
    });
    expect((await request(intake()).get(`/beneficiaries/${erased}`).set(as('agent')).expect(200)).body.person.lastName).toBe(LAST_NAME);
    // The person's key as stored (wrapped by the master key): after the erasure, no file may hold it.
    const keys = new SqliteKeyStore(join(config.dataDir, 'keys.sqlite'));
    const stored = await keys.get(erased);
    await keys.close();
    const wrappedKey = stored?.status === 'active' ? stored.wrapped.key : 'no key';
    expect(filesHolding(config.dataDir, wrappedKey)).toEqual([join(config.dataDir, 'keys.sqlite')]);

    const erasure = await command(`/beneficiaries/${erased}/erasure`, { reason: 'person_request' }, 'supervisor').expect(200);
    expect(erasure.body).toMatchObject({ beneficiaryId: erased, changed: true });

    // intake: the case stays, its personal data reads as erased.
    const afterwards = (await request(intake()).get(`/beneficiaries/${erased}`).set(as('agent')).expect(200)).body;
    expect(afterwards).toMatchObject({ personalData: 'erased', person: null, category: 'returnee', status: 'open', erasure: { reason: 'person_request' } });
    expect((await request(intake()).get(`/beneficiaries/${kept}`).set(as('agent')).expect(200)).body.person).toMatchObject({ lastName: 'Benali' });

    // The journey: every event still there, every sealed value shown as erased.
    const { events } = await journey(erased);
    expect(events.map((event: { type: string }) => event.type)).toEqual(['BeneficiaryRegistered', 'FollowUpScheduled', 'PersonalDataRecorded', 'PersonalDataErased']);
    expect(events[0].data.person).toBe('[personal data: erased]');
    expect(events[1].data.note).toBe('[personal data: erased]');
    expect(events[2].data.person).toBe('[personal data: erased]');
    expect(events[3]).toMatchObject({ summary: 'Personal data erased: person_request', actor: 'supervisor:oujda-1' });
    expect((await journey(kept)).events[0].data.person).toBe('[personal data: encrypted]');

    // The indicators: the erasure is not published; the totals stay as they were.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await report()).toEqual(before);

    // No trace of the person in any file, while the network runs (WAL files and all) and once stopped.
    // Nor of their key: crypto-shredding leaves nothing that the master key could open.
    for (const trace of [...tracesOfThePerson, wrappedKey]) expect(filesHolding(config.dataDir, trace)).toEqual([]);
    await network!.stop();
    network = undefined;
    for (const trace of [...tracesOfThePerson, wrappedKey]) expect(filesHolding(config.dataDir, trace)).toEqual([]);
    // The search reads those files: what is stored in clear is found (so the check above can fail).
    expect(filesHolding(config.dataDir, 'PersonalDataErased').length).toBeGreaterThan(0);
    expect(filesHolding(config.dataDir, erased).length).toBeGreaterThan(0);

    // After a restart, still erased, the totals unchanged.
    await start();
    expect((await request(intake()).get(`/beneficiaries/${erased}`).set(as('agent')).expect(200)).body).toMatchObject({ personalData: 'erased', person: null });
    expect((await journey(erased)).events[0].data.person).toBe('[personal data: erased]');
    expect(await report()).toEqual(before);
  });
});
