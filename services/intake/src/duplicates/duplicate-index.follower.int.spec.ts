import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, EventStore } from '@oriental/event-store';
import { SqliteKeyStore } from '@oriental/key-store';
import { BeneficiaryEvent, beneficiaryStream, PersonalData } from '@oriental/intake-domain';
import { createReadStore, ProjectionCheckpoints, ReadStore } from '@oriental/read-store';
import { eventually } from '@oriental/testing';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { MasterKeyring, PersonalDataVault } from '@oriental/personal-data';
import { DuplicateIndex, duplicateIndexCollection } from './duplicate-index';
import { DUPLICATE_INDEX_FOLLOWER, DuplicateIndexFollower } from './duplicate-index.follower';
import { DuplicateKeys, PersonToMatch } from './duplicate-keys';

const at = '2026-07-15T09:30:00.000Z';

describe('DuplicateIndexFollower', () => {
  let dir: string;
  let store: EventStore;
  let readStore: ReadStore;
  let keyStore: SqliteKeyStore;
  let codec: BeneficiaryCodec;
  let keys: DuplicateKeys;
  let index: DuplicateIndex;
  let follower: DuplicateIndexFollower;

  const newFollower = () => new DuplicateIndexFollower({ store, readStore, codec, keys, retryDelayMs: 50 });
  const entries = () => duplicateIndexCollection(readStore);

  /** Appends a beneficiary's events as intake stores them (sealed by the codec). */
  const append = async (beneficiaryId: string, events: BeneficiaryEvent[], from = -1) => {
    const encoded = await Promise.all(events.map((event) => codec.encode(event)));
    await store.appendToStream(
      beneficiaryStream(beneficiaryId),
      encoded.map((event) => ({ id: randomUUID(), ...event, metadata: { beneficiaryId, correlationId: 'c', causationId: 'c', actor: 'agent:oujda-1', occurredAt: at } })),
      { expectedRevision: from < 0 ? 'no_stream' : from },
    );
  };
  const registered = (beneficiaryId: string, person: PersonalData, birthYear = 1990): BeneficiaryEvent => ({
    type: 'BeneficiaryRegistered',
    data: {
      beneficiaryId,
      cellId: 'oujda',
      category: 'returnee',
      sex: 'male',
      birthYear,
      nationality: 'MA',
      consent: { services: true, sharing: false, statistics: true },
      profile: {},
      person,
      registeredAt: at,
    },
  });
  const register = async (person: PersonalData, birthYear = 1990) => {
    const id = randomUUID();
    await append(id, [registered(id, person, birthYear)]);
    return id;
  };
  const indexed = (id: string) => eventually(async () => expect(await entries().get(id)).not.toBeNull());
  const found = (person: PersonToMatch) => index.find(person).then((candidates) => candidates.map((c) => c.beneficiaryId));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'duplicate-index-'));
    store = await createEventStore({ kind: 'sqlite', file: join(dir, 'events.sqlite') });
    readStore = await createReadStore({ kind: 'memory', file: join(dir, 'intake.read-models.sqlite') });
    const masterKey = randomBytes(32);
    keyStore = new SqliteKeyStore(join(dir, 'keys.sqlite'));
    codec = new BeneficiaryCodec(new PersonalDataVault(keyStore, MasterKeyring.of(masterKey)));
    keys = new DuplicateKeys(masterKey);
    index = new DuplicateIndex(readStore, keys);
    follower = newFollower();
  });

  afterEach(async () => {
    await follower.stop();
    await keyStore.close();
    await readStore.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when registrations were appended while it was not running (the process died after the append)', () => {
    it('indexes them when it starts', async () => {
      const mohamed = await register({ firstName: 'Mohamed', lastName: 'El Amrani', phone: '0600000001' });
      const fatima = await register({ firstName: 'Fatima', lastName: 'Benali' }, 1985);

      await follower.start();
      await indexed(mohamed);
      await indexed(fatima);

      expect((await entries().get(mohamed))!.data).toEqual(keys.hashesOf({ firstName: 'Mohamed', lastName: 'El Amrani', phone: '0600000001', birthYear: 1990 }));
      expect(await found({ firstName: 'محمد', lastName: 'العمراني', birthYear: 1991 })).toEqual([mohamed]);
      expect(await found({ firstName: 'Fatma', lastName: 'Ben Ali', birthYear: 1985 })).toEqual([fatima]);
    });
  });

  describe('when it is running', () => {
    it('indexes a registration as it is appended, under keyed hashes only', async () => {
      await follower.start();
      const id = await register({ firstName: 'Youssef', lastName: 'Alaoui', phone: '+212 6 11 22 33 44' });
      await indexed(id);

      expect(await found({ firstName: 'Someone', lastName: 'Else', phone: '0611223344', birthYear: 1950 })).toEqual([id]);
      expect(JSON.stringify(await entries().find())).not.toMatch(/youssef|alaoui|611223344|1990/i);
    });

    it('moves a beneficiary to the buckets of their corrected name or phone, keeping what the correction leaves', async () => {
      await follower.start();
      const id = await register({ firstName: 'Amina', lastName: 'Tazi', phone: '0622000000' });
      await indexed(id);
      const before = (await entries().get(id))!.version;

      await append(id, [{ type: 'PersonalDataRecorded', data: { beneficiaryId: id, person: { phone: '0633000000' }, recordedAt: at } }], 0);
      await eventually(async () => expect((await entries().get(id))!.version).toBe(before + 1));
      expect(await found({ firstName: 'X', lastName: 'Y', phone: '0622000000', birthYear: 1990 })).toEqual([]);
      expect(await found({ firstName: 'X', lastName: 'Y', phone: '0633000000', birthYear: 1990 })).toEqual([id]);
      expect(await found({ firstName: 'Amina', lastName: 'Tazi', birthYear: 1990 })).toEqual([id]);

      await append(id, [{ type: 'PersonalDataRecorded', data: { beneficiaryId: id, person: { lastName: 'Benjelloun' }, recordedAt: at } }], 1);
      await eventually(async () => expect((await entries().get(id))!.version).toBe(before + 2));
      expect(await found({ firstName: 'Amina', lastName: 'Tazi', birthYear: 1990 })).toEqual([]);
      expect(await found({ firstName: 'Amina', lastName: 'Benjeloun', birthYear: 1990 })).toEqual([id]);
      expect(await found({ firstName: 'X', lastName: 'Y', phone: '0633000000', birthYear: 1990 })).toEqual([id]);
    });

    it('ignores the other events of a case', async () => {
      await follower.start();
      const id = await register({ firstName: 'Karim', lastName: 'Idrissi' });
      await indexed(id);
      await append(id, [{ type: 'CaseClosed', data: { beneficiaryId: id, reason: 'resolved', closedAt: at } }], 0);
      const after = await register({ firstName: 'Other', lastName: 'Person' });
      await indexed(after);
      expect((await entries().get(id))!.version).toBe(1);
    });
  });

  describe('when it stops and starts again', () => {
    it('stores how far it got, and goes on from there', async () => {
      await follower.start();
      const first = await register({ firstName: 'Nadia', lastName: 'Berrada' });
      await indexed(first);
      await follower.stop();
      expect(await new ProjectionCheckpoints(readStore).load(DUPLICATE_INDEX_FOLLOWER)).toEqual(expect.any(String));

      const second = await register({ firstName: 'Nadia', lastName: 'Berrada' }, 1991);
      follower = newFollower();
      await follower.start();
      await indexed(second);
      expect(await found({ firstName: 'Nadia', lastName: 'Berada', birthYear: 1990 })).toEqual([first, second]); // same year (0.9), then one year off (0.8)
    });

    it('changes nothing when the log is read again (the process died before storing its position)', async () => {
      await follower.start();
      const ids = await Promise.all([1, 2, 3].map((n) => register({ firstName: 'Rachid', lastName: `Name${n}` })));
      for (const id of ids) await indexed(id);
      await follower.stop();
      const versions = (await entries().find()).map((document) => document.version);

      await new ProjectionCheckpoints(readStore).reset(DUPLICATE_INDEX_FOLLOWER);
      const marker = await register({ firstName: 'Marker', lastName: 'Last' });
      follower = newFollower();
      await follower.start();
      await indexed(marker);
      expect((await entries().find()).filter((document) => document.id !== marker).map((document) => document.version)).toEqual(versions);
    });
  });
});
