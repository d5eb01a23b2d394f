import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractRegistry, IntakeContracts, publishIntakeEvent, StoredEvent } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import { BeneficiaryCase, beneficiaryDecider, BeneficiaryEvent, decodeWithoutPersonalData } from '@oriental/intake-domain';
import { SqliteKeyStore } from '@oriental/key-store';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { randomBytes } from 'node:crypto';
import { BeneficiaryCodec } from './beneficiary.codec';
import { migrateLegacyKeys, PERSONAL_DATA_KEYS } from './personal-data/legacy-keys';
import { MasterKeyring, PersonalDataVault } from '@oriental/personal-data';

const beneficiaryId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const followUpId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const transferId = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
const at = '2026-07-15T09:30:00.000Z';

/** One event of every type, with every personal field filled, in an order a case can take. */
const everyEvent: BeneficiaryEvent[] = [
  {
    type: 'BeneficiaryRegistered',
    data: {
      beneficiaryId,
      cellId: 'oujda',
      category: 'returnee',
      sex: 'female',
      birthYear: 1988,
      nationality: 'MA',
      consent: { services: true, sharing: false, statistics: true },
      person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000', address: 'Rue Secrete 12', documentNumbers: [{ kind: 'cnie', number: 'F123456' }], notes: 'Nota secreta' },
      profile: { returnDate: '2025-06-01', returnKind: 'voluntary' },
      registeredAt: at,
    },
  },
  { type: 'BeneficiaryProfileRecorded', data: { beneficiaryId, profile: { returnedFrom: 'ES', languages: ['arabic', 'spanish'] }, recordedAt: at } },
  { type: 'PersonalDataRecorded', data: { beneficiaryId, person: { phone: '+212611111111' }, recordedAt: at } },
  { type: 'ConsentGiven', data: { beneficiaryId, purpose: 'sharing', at, actor: 'agent:oujda-1' } },
  { type: 'ConsentWithdrawn', data: { beneficiaryId, purpose: 'statistics', at, actor: 'agent:oujda-1' } },
  { type: 'NeedsAssessed', data: { beneficiaryId, needs: [{ code: 'legal_aid', priority: 'high' }], assessedAt: at } },
  { type: 'NeedMet', data: { beneficiaryId, code: 'legal_aid', metAt: at } },
  { type: 'FollowUpScheduled', data: { beneficiaryId, followUpId, dueDate: '2026-07-20', note: 'Secret follow-up note', scheduledAt: at } },
  { type: 'FollowUpRecorded', data: { beneficiaryId, followUpId, outcome: 'held', note: 'Secret outcome note', recordedAt: at } },
  { type: 'TransferRequested', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', reason: 'moved', note: 'Secret request note', requestedAt: at } },
  { type: 'TransferDeclined', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', note: 'Secret decline note', declinedAt: at } },
  { type: 'TransferRequested', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', reason: 'moved', requestedAt: at } },
  { type: 'TransferAccepted', data: { beneficiaryId, transferId, fromCellId: 'oujda', toCellId: 'nador', note: 'Secret accept note', acceptedAt: at } },
  { type: 'DuplicateLinked', data: { beneficiaryId, otherBeneficiaryId: followUpId, decidedAt: at } },
  { type: 'DuplicateDismissed', data: { beneficiaryId, otherBeneficiaryId: followUpId, decidedAt: at } },
  { type: 'CaseClosed', data: { beneficiaryId, reason: 'resolved', note: 'Secret close note', closedAt: at } },
  { type: 'CaseReopened', data: { beneficiaryId, note: 'Secret reopen note', reopenedAt: at } },
];
const SECRETS = /Amina|Benali|2126|Secret|Secrete|secreta|F123456/;

const asStored = (encoded: { type: string; schemaVersion: number; data: unknown }, revision: number): StoredEvent => ({
  id: `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`,
  ...encoded,
  metadata: { beneficiaryId, correlationId: 'c', causationId: 'c', actor: 'agent:oujda-1', occurredAt: at },
  stream: `beneficiary-${beneficiaryId}`,
  revision,
  position: String(revision + 1),
});

/** A key store in a temp dir of its own, removed by `close`. */
const temporaryKeyStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'codec-keys-'));
  const keys = new SqliteKeyStore(join(dir, 'keys.sqlite'));
  return { keys, close: async () => (await keys.close(), rmSync(dir, { recursive: true, force: true })) };
};

describe('BeneficiaryCodec', () => {
  let keyStore: ReturnType<typeof temporaryKeyStore>;
  let vault: PersonalDataVault;
  let codec: BeneficiaryCodec;
  let stored: StoredEvent[];

  beforeEach(async () => {
    keyStore = temporaryKeyStore();
    vault = new PersonalDataVault(keyStore.keys, MasterKeyring.of(randomBytes(32)));
    codec = new BeneficiaryCodec(vault);
    stored = await Promise.all(everyEvent.map(async (event, revision) => asStored(await codec.encode(event), revision)));
  });

  afterEach(() => keyStore.close());

  it('stores every event at its version, with no personal data or note in clear', () => {
    expect(stored.map((event) => [event.type, event.schemaVersion])).toEqual(everyEvent.map((event) => [event.type, event.type === 'BeneficiaryRegistered' ? 2 : 1]));
    for (const event of stored) expect(JSON.stringify(event.data)).not.toMatch(SECRETS);
    expect((stored[0]!.data as { person: { alg: string } }).person.alg).toBe('A256GCM');
    expect((stored[7]!.data as { note: { alg: string } }).note.alg).toBe('A256GCM');
  });

  it('decodes what it encoded', async () => {
    expect(await Promise.all(stored.map((event) => codec.decode(event)))).toEqual(everyEvent);
  });

  it('decodes without the vault: the same events with every personal field null, and a fold that holds no personal data', () => {
    const decoded = stored.map(decodeWithoutPersonalData);
    expect(decoded[0]).toEqual({ ...everyEvent[0], data: { ...everyEvent[0]!.data, person: null } });
    expect(decoded[7]).toEqual({ ...everyEvent[7], data: { ...everyEvent[7]!.data, note: null } });
    expect(decoded[3]).toEqual(everyEvent[3]);
    const state = fold(beneficiaryDecider, decoded) as BeneficiaryCase;
    expect(JSON.stringify(state)).not.toMatch(SECRETS);
    expect(state).toMatchObject({ status: 'open', cellId: 'nador', person: null, consent: { services: true, sharing: true, statistics: false } });
  });

  it('opens nothing once the key is destroyed (erasure), and still folds', async () => {
    await vault.destroyKey(beneficiaryId);
    const state = fold(beneficiaryDecider, await Promise.all(stored.map((event) => codec.decode(event)))) as BeneficiaryCase;
    expect(state.person).toBeNull();
    expect(state.followUps[followUpId]).toMatchObject({ note: null, outcomeNote: null });
  });

  it('publishes each event at its latest contract version, valid, without personal data, notes or actors', () => {
    const registry = new ContractRegistry(IntakeContracts);
    const published = stored.map(publishIntakeEvent);
    expect(published.map((event) => event && [event.type, event.schemaVersion])).toEqual(
      everyEvent.map((event) =>
        event.type === 'PersonalDataRecorded' || event.type.startsWith('Duplicate') ? null : [event.type, event.type === 'BeneficiaryRegistered' ? 2 : 1],
      ),
    );
    for (const event of published) {
      if (!event) continue;
      registry.validate(event.type, event.schemaVersion, event.data);
      expect(JSON.stringify(event.data)).not.toMatch(/Secret|A256GCM|Amina|1988|actor|note|person/);
    }
    expect(published[0]!.data).toMatchObject({ ageBand: '35-44', profile: { returnDate: '2025-06-01', returnKind: 'voluntary' } });
  });
});

describe('a store written before the casework (BeneficiaryRegistered v1), its keys in the read store (before the key store)', () => {
  interface Fixture {
    masterKey: string;
    personalDataKeys: { id: string; data: object }[];
    events: StoredEvent[];
  }
  const fixture = JSON.parse(readFileSync(join(__dirname, '../test/fixtures/stored-v1-registrations.json'), 'utf8')) as Fixture;
  let readStore: ReadStore;
  let keyStore: ReturnType<typeof temporaryKeyStore>;
  let codec: BeneficiaryCodec;

  beforeAll(async () => {
    readStore = await createReadStore({ kind: 'memory' });
    const keys = readStore.collection<object>(PERSONAL_DATA_KEYS);
    for (const key of fixture.personalDataKeys) await keys.write(key.id, key.data, { expectedVersion: 0 });
    keyStore = temporaryKeyStore();
    const keyring = MasterKeyring.of(Buffer.from(fixture.masterKey, 'base64'));
    // What intake does at boot: the keys move into the key store, once.
    expect(await migrateLegacyKeys(readStore, keyStore.keys, keyring)).toEqual({ moved: fixture.personalDataKeys.length, unidentified: 0 });
    codec = new BeneficiaryCodec(new PersonalDataVault(keyStore.keys, keyring));
  });

  afterAll(async () => {
    await readStore.close();
    await keyStore.close();
  });

  it('moved every key out of the read store, and a second boot moves nothing', async () => {
    expect(await readStore.collection(PERSONAL_DATA_KEYS).count()).toBe(0);
    expect(await keyStore.keys.counts()).toEqual({ byMasterKey: { [MasterKeyring.of(Buffer.from(fixture.masterKey, 'base64')).current.id]: fixture.personalDataKeys.length }, destroyed: 0 });
    expect(await migrateLegacyKeys(readStore, keyStore.keys, MasterKeyring.of(Buffer.from(fixture.masterKey, 'base64')))).toEqual({ moved: 0, unidentified: 0 });
  });

  it('holds v1 registrations', () => {
    expect(fixture.events.map((event) => [event.type, event.schemaVersion])).toEqual([
      ['BeneficiaryRegistered', 1],
      ['BeneficiaryRegistered', 1],
      ['BeneficiaryRegistered', 1],
    ]);
  });

  it('decodes them upcast to v2 (an empty profile), their personal data opened, and folds each into an open case', async () => {
    const states = await Promise.all(fixture.events.map(async (event) => fold(beneficiaryDecider, [await codec.decode(event)]) as BeneficiaryCase));
    expect(states.map(({ category, cellId, profile, person, status }) => ({ category, cellId, profile, person, status }))).toEqual([
      { category: 'mre', cellId: 'oujda', profile: {}, person: { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' }, status: 'open' },
      { category: 'returnee', cellId: 'nador', profile: {}, person: { firstName: 'Karim', lastName: 'Ziani' }, status: 'open' },
      { category: 'rpt', cellId: 'oujda', profile: {}, person: { firstName: 'Moussa', lastName: 'Diop', phone: '+212611111111' }, status: 'open' },
    ]);
    expect(states[0]).toMatchObject({ needs: {}, followUps: {}, pendingTransfer: null, closure: null, duplicates: {}, registeredAt: '2025-11-03T10:15:00.000Z' });
  });

  it('decodes them without the vault, person null', () => {
    const [first] = fixture.events.map(decodeWithoutPersonalData);
    expect(first).toMatchObject({ type: 'BeneficiaryRegistered', data: { category: 'mre', profile: {}, person: null } });
  });

  it('publishes them as v2 registrations with an empty profile', () => {
    const published = fixture.events.map(publishIntakeEvent);
    expect(published[1]).toEqual({
      type: 'BeneficiaryRegistered',
      schemaVersion: 2,
      data: {
        beneficiaryId: fixture.events[1]!.metadata.beneficiaryId,
        cellId: 'nador',
        category: 'returnee',
        sex: 'male',
        ageBand: '45-59',
        nationality: 'MA',
        consent: { services: true, sharing: false, statistics: true },
        profile: {},
        registeredAt: '2025-11-03T10:16:00.000Z',
      },
    });
  });
});
