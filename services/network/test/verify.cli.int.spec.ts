import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chainedLogOf, eventHash } from '@oriental/event-store';
import { anEvent } from '@oriental/event-store/testing';
import { dataFile, loadConfig, openEventStore } from '@oriental/service-kit';

const root = resolve(__dirname, '../../..');

/** `npm run verify -- …` as an auditor runs it: a process of its own, on the event store DATA_DIR names. */
const verify = (dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', './tools/register.js', 'services/network/src/verify.cli.ts', ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, EVENT_STORE: '', LOG_LEVEL: 'error' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });

/** A data directory whose log holds one beneficiary's journey (two streams) among another's events. */
const seeded = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
  const beneficiaryId = randomUUID();
  const [intake, referral, other] = [`beneficiary-${beneficiaryId}`, `referral-${randomUUID()}`, `beneficiary-${randomUUID()}`];
  const store = await openEventStore(loadConfig({ DATA_DIR: dataDir }));
  const theirs = () => anEvent({ metadata: { beneficiaryId } });
  await store.appendToStream(intake, [theirs(), theirs()], { expectedRevision: 'no_stream' });
  await store.appendToStream(other, [anEvent()], { expectedRevision: 'no_stream' });
  await store.appendToStream(referral, [theirs(), theirs(), theirs()], { expectedRevision: 'no_stream' });
  await store.appendToStream(intake, [theirs()], { expectedRevision: 1 });
  await store.close();
  /** Runs one statement on the file, as someone with write access to DATA_DIR could. */
  const editFile = (sql: string, ...parameters: unknown[]) => {
    const raw = new Database(dataFile(loadConfig({ DATA_DIR: dataDir }), 'events.sqlite'));
    try {
      expect(raw.prepare(sql).run(...parameters).changes).toBe(1);
    } finally {
      raw.close();
    }
  };
  return { dataDir, beneficiaryId, intake, referral, editFile, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
};

describe('npm run verify (tamper evidence for auditors)', () => {
  let log: Awaited<ReturnType<typeof seeded>>;

  beforeAll(async () => {
    log = await seeded();
  });

  afterAll(() => log.remove());

  it.each([
    [[], /a beneficiary id or --all is needed/],
    [['not-a-uuid'], /must be a UUID/],
    [['--all', randomUUID()], /no beneficiary id with it/],
    [['--all', '--anchor', '12:abc'], /must be <events>:<64 hex digits>/],
  ])('given %j, then it explains the usage and exits 2', async (args, why) => {
    const { code, stdout, stderr } = await verify(log.dataDir, ...args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(why);
    expect(stderr).toContain('usage: npm run verify');
  }, 60_000);

  it("given an intact log, then a journey verifies, stream by stream, and exits 0", async () => {
    const { code, stdout, stderr } = await verify(log.dataDir, log.beneficiaryId);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`journey of ${log.beneficiaryId}: intact, 2 streams\n  ${log.intake}: 3 events, intact\n  ${log.referral}: 3 events, intact\n`);
  }, 60_000);

  it('given a beneficiary no event names, then it says so and exits 3', async () => {
    const { code, stderr } = await verify(log.dataDir, randomUUID());
    expect(code).toBe(3);
    expect(stderr).toMatch(/JOURNEY_NOT_FOUND/);
  }, 60_000);

  it('given an intact log, then --all verifies every stream and prints the anchor to keep, which holds when checked', async () => {
    const all = await verify(log.dataDir, '--all');

    expect(all.code).toBe(0);
    const [summary, anchorLine] = all.stdout.trimEnd().split('\n');
    expect(summary).toBe('log intact: 7 events in 3 streams');
    expect(anchorLine).toMatch(/^anchor: 7:[0-9a-f]{64}$/);

    const checked = await verify(log.dataDir, '--all', '--anchor', anchorLine!.slice('anchor: '.length));
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/^anchor 7:[0-9a-f]{12}… holds$/m);
  }, 60_000);

  it('given one byte of a stored event changed in the SQLite file, then the journey and --all name its stream and revision and exit 1', async () => {
    log.editFile(`UPDATE events SET data = replace(data, 'a fact', 'a fict') WHERE stream = ? AND revision = 1`, log.referral);
    const broken = `broken: stream ${log.referral} revision 1: hash-mismatch`;

    const journey = await verify(log.dataDir, log.beneficiaryId);
    expect(journey.code).toBe(1);
    expect(journey.stdout).toContain(`  ${log.referral}: 3 events, BROKEN\n`);
    expect(journey.stdout).toContain(broken);

    const all = await verify(log.dataDir, '--all');
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(broken);
  }, 60_000);
});

describe('npm run verify --all --anchor (what the chains alone cannot see)', () => {
  let log: Awaited<ReturnType<typeof seeded>>;

  beforeAll(async () => {
    log = await seeded();
  });

  afterAll(() => log.remove());

  it("given a stream's last event rewritten together with its hash, then the chains hold but the anchor kept earlier does not", async () => {
    const anchor = (await verify(log.dataDir, '--all')).stdout.match(/^anchor: (.+)$/m)![1]!;
    const store = await openEventStore(loadConfig({ DATA_DIR: log.dataDir }));
    const last = (await chainedLogOf(store).readStreamRecords(log.referral))[2]!;
    await store.close();
    const data = last.data.replace('a fact', 'a fict');
    log.editFile('UPDATE events SET data = ?, hash = ? WHERE position = ?', data, eventHash({ ...last, data }, last.previousHash!), Number(last.position));

    expect((await verify(log.dataDir, '--all')).code).toBe(0);
    const checked = await verify(log.dataDir, '--all', '--anchor', anchor);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^broken: the log's first 7 events no longer digest to the anchor/m);
  }, 60_000);
});
