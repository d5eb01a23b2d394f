import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, openEventStore } from '@oriental/service-kit';
import { theScenario } from './journey-events';

const root = resolve(__dirname, '../../..');

/** `npm run journey -- …` as an auditor runs it: a process of its own, on the event store DATA_DIR names. */
const journey = (dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/reporting/src/journeys/journey.cli.ts', ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, EVENT_STORE: '', LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** RFC 4180 reader, enough for the spec: quoted fields with doubled quotes and line breaks. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [[]];
  let field = '';
  let quoted = false;
  const endField = () => {
    rows[rows.length - 1]!.push(field);
    field = '';
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') endField();
    else if (char === '\r' && text[index + 1] === '\n') {
      endField();
      rows.push([]);
      index++;
    } else field += char;
  }
  return rows.slice(0, -1);
};

describe('npm run journey (the auditors\' CLI)', () => {
  let dataDir: string;
  const scenario = theScenario();
  const { beneficiaryId } = scenario;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'journey-cli-'));
    const store = await openEventStore(loadConfig({ DATA_DIR: dataDir }));
    await scenario.appendTo(store);
    await store.close();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the journey as a text table, a line per event with its summary', async () => {
    const { code, stdout, stderr } = await journey(dataDir, beneficiaryId);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Journey of beneficiary ${beneficiaryId}: 13 events`);
    expect(lines[1]).toMatch(/^OCCURRED AT\s+TYPE\s+CELL\s+ACTOR\s+SUMMARY$/);
    expect(lines[2]).toMatch(/^2026-07-01T09:00:00\.000Z\s+BeneficiaryRegistered\s+oujda\s+agent:oujda-1\s+Registered at oujda as returnee$/);
    expect(lines[6]).toMatch(/ReferralSent\s+oujda\s+agent:oujda-1\s+Referred to ofppt-oujda for vocational_training_employment \(consent override\)$/);
    expect(lines[14]).toMatch(/CaseClosed\s+nador\s+agent:nador-1\s+Case closed: resolved$/);
    expect(lines).toHaveLength(15);
    expect(stdout).not.toMatch(/Amina|Benali|Karim/);
  }, 60_000);

  it('prints the journey up to --as-of and the case then, as JSON shaped like the HTTP answers', async () => {
    const { code, stdout } = await journey(dataDir, beneficiaryId, '--as-of', '2026-07-07T00:00:00Z', '--format', 'json');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed.beneficiaryId).toBe(beneficiaryId);
    expect(printed.events.map((event: { summary: string }) => event.summary)).toEqual([
      'Registered at oujda as returnee',
      'Needs assessed: vocational_training_employment (high), legal_aid (medium)',
      'Referred to anapec-oriental for vocational_training_employment',
      'Referral to anapec-oriental declined: no_capacity',
    ]);
    expect(printed.state).toMatchObject({ asOf: '2026-07-07T00:00:00.000Z', eventsApplied: 4, cellId: 'oujda', status: 'open' });
    expect(printed.state.referrals.map((referral: { status: string }) => referral.status)).toEqual(['declined']);
  }, 60_000);

  it('prints CSV with proper quoting, then the case as field,value rows', async () => {
    const { code, stdout } = await journey(dataDir, beneficiaryId, '--format=csv', '--as-of=2026-09-01T00:00:00Z');
    expect(code).toBe(0);
    const rows = parseCsv(stdout);
    expect(rows[0]).toEqual(['beneficiaryId', 'occurredAt', 'type', 'cellId', 'actor', 'stream', 'revision', 'summary', 'data']);
    const events = rows.slice(1, rows.findIndex((row) => row.length === 1 && row[0] === ''));
    expect(events).toHaveLength(13);
    // A summary with a comma is quoted, and the data column is JSON whose quotes are doubled.
    expect(stdout).toContain('"Needs assessed: vocational_training_employment (high), legal_aid (medium)"');
    expect(events[1]![7]).toBe('Needs assessed: vocational_training_employment (high), legal_aid (medium)');
    expect(JSON.parse(events[0]![8]!)).toMatchObject({ cellId: 'oujda', person: '[personal data: encrypted]' });
    const state = Object.fromEntries(rows.slice(rows.findIndex((row) => row[0] === 'field') + 1) as [string, string][]);
    expect(state).toMatchObject({
      cellId: 'nador',
      registeredAtCellId: 'oujda',
      status: 'closed',
      'consents.sharing': 'false',
      'needs.0.status': 'met',
      'referrals.0.status': 'declined',
      'referrals.1.status': 'completed',
      'referrals.1.consentOverridden': 'true',
    });
  }, 60_000);

  it('refuses wrong arguments with exit code 2, and says why', async () => {
    const cases = await Promise.all([
      journey(dataDir, 'not-a-uuid'),
      journey(dataDir, beneficiaryId, '--as-of', '2026-07-07'),
      journey(dataDir, beneficiaryId, '--format', 'xml'),
      journey(dataDir, beneficiaryId, '--verbose'),
      journey(dataDir),
    ]);
    expect(cases.map(({ code }) => code)).toEqual([2, 2, 2, 2, 2]);
    expect(cases.map(({ stderr }) => stderr.split('\n')[0])).toEqual([
      'journey: beneficiary id "not-a-uuid" must be a UUID',
      'journey: --as-of "2026-07-07" must be an ISO 8601 instant with a time zone, e.g. 2026-07-15T09:30:00Z',
      'journey: --format "xml" must be one of: text, json, csv',
      expect.stringContaining("Unknown option '--verbose'"),
      'journey: the beneficiary id is missing',
    ]);
    for (const { stdout, stderr } of cases) {
      expect(stdout).toBe('');
      expect(stderr).toContain('usage: npm run journey -- <beneficiaryId>');
    }
  }, 90_000);

  it('exits 3 for a beneficiary without events or before their journey started, and 1 without an event store', async () => {
    const [unknown, early, noStore] = await Promise.all([
      journey(dataDir, randomUUID()),
      journey(dataDir, beneficiaryId, '--as-of', '2026-06-30T00:00:00Z'),
      journey(join(dataDir, 'missing'), beneficiaryId),
    ]);
    expect(unknown).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining('(JOURNEY_NOT_FOUND)') });
    expect(early).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining('(JOURNEY_NOT_STARTED)') });
    expect(noStore).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('no event store at') });
  }, 90_000);
});
