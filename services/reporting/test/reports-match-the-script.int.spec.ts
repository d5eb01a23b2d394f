import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, loadConfig, TokenRequest } from '@oriental/service-kit';
import { eventually, freePort, ServiceProcess, startServiceProcess, stopGracefully } from '@oriental/testing';
import request from 'supertest';

const ROOT = join(__dirname, '..', '..', '..');
const CELLS = ['oujda', 'nador', 'berkane', 'figuig', 'guercif', 'driouch'] as const;
const CATEGORIES = ['mre', 'returnee', 'rpt'] as const;
type Category = (typeof CATEGORIES)[number];

/** What the script does, person by person: where and as what they are registered, and what is done for them. */
interface Scripted {
  cellId: (typeof CELLS)[number];
  category: Category;
  sharing: boolean;
  /** Referrals sent for them, and what the partner does with each. */
  referrals: { partnerId: string; need: string; answer: 'accept' | 'decline' | 'complete' | 'none' }[];
}

/** 30 people over six cells of six provinces and the three categories, a third of them referred once or twice, answered every way. */
const SCRIPT: Scripted[] = Array.from({ length: 30 }, (_, i) => {
  const sharing = i % 3 !== 1;
  const answers = ['accept', 'decline', 'complete', 'none'] as const;
  return {
    cellId: CELLS[i % CELLS.length]!,
    category: CATEGORIES[(i + Math.floor(i / CELLS.length)) % CATEGORIES.length]!,
    sharing,
    referrals: !sharing
      ? []
      : [
          ...(i % 2 === 0 ? [{ partnerId: 'chr-al-farabi', need: 'health', answer: answers[i % 4]! }] : []),
          ...(i % 5 === 0 ? [{ partnerId: 'anapec-oriental', need: 'vocational_training_employment', answer: answers[(i + 1) % 4]! }] : []),
        ],
  };
});

/** Counts computed from the script alone, never from the services. */
const tally = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> =>
  items.reduce<Record<string, number>>((counts, item) => ({ ...counts, [key(item)]: (counts[key(item)] ?? 0) + 1 }), {});
const referralsOf = SCRIPT.flatMap((person) => person.referrals.map((referral) => ({ ...referral, cellId: person.cellId, category: person.category })));
const STATUS = { accept: 'accepted', decline: 'declined', complete: 'completed', none: 'sent' } as const;

const CALLERS = {
  auditor: { role: 'auditor', subject: 'auditor:1' },
  hospital: { role: 'partner', partnerId: 'chr-al-farabi', subject: 'partner:chr-al-farabi' },
  anapec: { role: 'partner', partnerId: 'anapec-oriental', subject: 'partner:anapec-oriental' },
  ...Object.fromEntries(CELLS.map((cellId) => [cellId, { role: 'cell_agent', cellId, subject: `agent:${cellId}-1` }])),
} as Record<string, TokenRequest>;

/**
 * Issue 8's check, on the embedded default as `npm start` runs it (services/network/src/main.ts
 * in a process of its own: a reporting spec may not import the network app): after a scripted
 * set of registrations and referrals over distinct cells and categories, the /reports figures
 * equal counts computed from the script alone, by cell and by category; `npm run rebuild --
 * --all`, with the network stopped, leaves every report identical.
 */
describe('the reports, after a scripted set of registrations and referrals', () => {
  jest.setTimeout(180_000);
  let dataDir: string;
  let network: ServiceProcess | undefined;
  let env: Record<string, string>;
  const urls = { intake: '', referral: '', reporting: '' };
  const tokens: Record<string, string> = {};
  let keys = 0;
  /** The day (UTC) the script started: everything it did happened on it or after. */
  let firstDay: string;
  const command = (url: string, path: string, as: string, body: object) =>
    request(url).post(path).set({ Authorization: `Bearer ${tokens[as]}`, 'Idempotency-Key': `reports-script-${process.pid}-${++keys}` }).send(body);
  const report = async (indicator: string, query: Record<string, string> = {}) =>
    (await request(urls.reporting).get(`/reports/${indicator}`).query(query).set('Authorization', `Bearer ${tokens.auditor}`).expect(200)).body;

  const start = async () => {
    network = await startServiceProcess('network', Number(env.REPORTING_PORT), env, join(dataDir, 'network.log'));
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'reports-script-'));
    const ports = { INTAKE_PORT: await freePort(), REFERRAL_PORT: await freePort(), CAPACITY_BUILDING_PORT: await freePort(), REPORTING_PORT: await freePort() };
    env = {
      DATA_DIR: join(dataDir, 'data'),
      EVENT_STORE: 'sqlite',
      BUS: 'memory',
      READ_STORE: 'memory',
      LOG_LEVEL: 'error',
      PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    };
    urls.intake = `http://127.0.0.1:${ports.INTAKE_PORT}`;
    urls.referral = `http://127.0.0.1:${ports.REFERRAL_PORT}`;
    urls.reporting = `http://127.0.0.1:${ports.REPORTING_PORT}`;
    await start();
    const config = loadConfig({ DATA_DIR: env.DATA_DIR });
    for (const [name, caller] of Object.entries(CALLERS)) tokens[name] = await issueToken(config, caller);

    // The script, through the services' APIs as the cells and partners use them.
    firstDay = new Date().toISOString().slice(0, 10);
    for (const [index, person] of SCRIPT.entries()) {
      const registered = await command(urls.intake, '/beneficiaries', person.cellId, {
        cellId: person.cellId,
        category: person.category,
        sex: index % 2 ? 'male' : 'female',
        birthYear: 1950 + index,
        nationality: person.category === 'rpt' ? 'SN' : 'MA',
        consent: { services: true, sharing: person.sharing, statistics: true },
        person: { firstName: `Person${index}`, lastName: 'Scripted', phone: `+2126000000${String(index).padStart(2, '0')}` },
      }).expect(201);
      const beneficiaryId = registered.body.beneficiaryId as string;
      if (person.referrals.length === 0) continue;
      // Referral learns of the case from intake's events.
      await eventually(() => request(urls.referral).get(`/beneficiaries/${beneficiaryId}/case`).set('Authorization', `Bearer ${tokens[person.cellId]}`).expect(200));
      for (const { partnerId, need, answer } of person.referrals) {
        const { referralId } = (await command(urls.referral, '/referrals', person.cellId, { beneficiaryId, need, partnerId }).expect(201)).body as { referralId: string };
        const partner = partnerId === 'chr-al-farabi' ? 'hospital' : 'anapec';
        if (answer === 'decline') await command(urls.referral, `/referrals/${referralId}/decline`, partner, { reason: 'no_capacity' }).expect(200);
        if (answer === 'accept' || answer === 'complete') await command(urls.referral, `/referrals/${referralId}/accept`, partner, {}).expect(200);
        if (answer === 'complete') await command(urls.referral, `/referrals/${referralId}/complete`, partner, { outcome: 'resolved' }).expect(200);
      }
    }
    // The reports follow the topics a moment behind.
    await eventually(async () => {
      expect((await report('network')).beneficiaries.total).toBe(SCRIPT.length);
      expect((await report('referrals')).referrals).toMatchObject({ total: referralsOf.length, byStatus: { sent: referralsOf.filter((r) => r.answer === 'none').length } });
    });
  });

  afterAll(async () => {
    if (network && network.child.exitCode === null) await stopGracefully(network);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts registrations as the script made them, by cell and by category', async () => {
    const { beneficiaries, caseload } = await report('network');
    expect(beneficiaries.byCell).toEqual(tally(SCRIPT, (person) => person.cellId));
    expect(beneficiaries.byCategory).toEqual(tally(SCRIPT, (person) => person.category));
    expect(caseload.byCell).toEqual(tally(SCRIPT, (person) => person.cellId));
    for (const category of CATEGORIES) {
      expect({ category, byCell: (await report('network', { category })).beneficiaries.byCell }).toEqual({ category, byCell: tally(SCRIPT.filter((person) => person.category === category), (person) => person.cellId) });
    }
    // A period from the day the script started holds it all; one up to the day before, nothing.
    expect((await report('network', { from: firstDay })).beneficiaries.total).toBe(SCRIPT.length);
    const dayBefore = new Date(Date.parse(`${firstDay}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    expect((await report('network', { to: dayBefore })).beneficiaries.total).toBe(0);
  });

  it('counts referrals as the script sent and answered them, by cell and by category', async () => {
    const { referrals } = await report('referrals');
    expect(referrals.byCell).toEqual(tally(referralsOf, (referral) => referral.cellId));
    expect(referrals.byStatus).toEqual({ sent: 0, accepted: 0, declined: 0, completed: 0, revoked: 0, ...tally(referralsOf, (referral) => STATUS[referral.answer]) });
    expect(Object.fromEntries(Object.entries(referrals.byPartner as Record<string, { total: number }>).map(([partner, { total }]) => [partner, total]))).toEqual(tally(referralsOf, (referral) => referral.partnerId));
    for (const category of CATEGORIES) {
      const ofCategory = referralsOf.filter((referral) => referral.category === category);
      expect({ category, byCell: (await report('referrals', { category })).referrals.byCell }).toEqual({ category, byCell: tally(ofCategory, (referral) => referral.cellId) });
    }
    const answered = referralsOf.filter((referral) => referral.answer !== 'none').length;
    const accepted = referralsOf.filter((referral) => referral.answer === 'accept' || referral.answer === 'complete').length;
    expect(referrals.acceptanceRate).toBe(Math.round((accepted / answered) * 10_000) / 10_000);
    expect(referrals.timeToFirstAnswer.answered).toBe(answered);
  });

  it('gives every report identical after `npm run rebuild -- --all` with the network stopped', async () => {
    const queries: [string, Record<string, string>][] = [
      ...['network', 'needs', 'follow-ups', 'transfers', 'referrals'].map((indicator): [string, Record<string, string>] => [indicator, {}]),
      ...CATEGORIES.flatMap((category): [string, Record<string, string>][] => [
        ['network', { category }],
        ['referrals', { category }],
      ]),
      ['network', { province: 'oujda-angad', audience: 'public' }],
      ['referrals', { cellId: 'nador' }],
    ];
    const before = await Promise.all(queries.map(([indicator, query]) => report(indicator, query)));

    expect(await stopGracefully(network!)).toBe(0);
    const rebuilt = spawnSync(process.execPath, ['-r', join(ROOT, 'tools', 'register.js'), join(ROOT, 'services', 'network', 'src', 'rebuild.ts'), '--all'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect({ status: rebuilt.status, stderr: rebuilt.stderr }).toEqual({ status: 0, stderr: '' });
    expect(rebuilt.stdout).toMatch(/rebuilt .*network-report.*referral-report/);

    await start();
    expect(await Promise.all(queries.map(([indicator, query]) => report(indicator, query)))).toEqual(before);
  });
});
