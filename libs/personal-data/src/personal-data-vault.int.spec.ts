import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyStore } from '@oriental/key-store';
import { MasterKeyMissing, MasterKeyring } from './master-keyring';
import { PersonalDataVault } from './personal-data-vault';

describe('PersonalDataVault', () => {
  let dir: string;
  let keys: SqliteKeyStore;
  let masterKey: Buffer;
  let vault: PersonalDataVault;
  const person = { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vault-'));
    keys = new SqliteKeyStore(join(dir, 'keys.sqlite'));
    masterKey = randomBytes(32);
    vault = new PersonalDataVault(keys, MasterKeyring.of(masterKey));
  });

  afterEach(async () => {
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when a beneficiary is sealed for the first time', () => {
    it('creates their key, stores it wrapped in the key store under the master key id, and opens what it sealed', async () => {
      const id = randomUUID();
      const sealed = await vault.seal(id, person);

      expect(sealed).toMatchObject({ alg: 'A256GCM', kid: id });
      expect(JSON.stringify(sealed)).not.toMatch(/Amina|Benali|212600000000/);
      expect(await keys.get(id)).toMatchObject({ status: 'active', wrapped: { masterKeyId: MasterKeyring.of(masterKey).current.id, key: expect.any(String) } });
      expect(await vault.open(sealed)).toEqual(person);
    });

    it('never reuses an IV or a key', async () => {
      const sealed = await Promise.all(Array.from({ length: 300 }, () => vault.seal(randomUUID(), person)));
      expect(new Set(sealed.map((s) => s.iv)).size).toBe(300);
      const stored = await Promise.all(sealed.map((s) => keys.get(s.kid)));
      expect(new Set(stored.map((k) => k?.status === 'active' && k.wrapped.key)).size).toBe(300);
    });
  });

  describe('when the beneficiary already has a key', () => {
    it('seals with that key, so values sealed before and after both open', async () => {
      const id = randomUUID();
      const first = await vault.seal(id, person);
      const second = await vault.seal(id, { ...person, phone: '+212611111111' });

      expect(await vault.open(first)).toEqual(person);
      expect(await vault.open(second)).toEqual({ ...person, phone: '+212611111111' });
    });

    it('gives racing seals one key: every value opens', async () => {
      const id = randomUUID();
      const sealed = await Promise.all(Array.from({ length: 5 }, (_, i) => vault.seal(id, { ...person, firstName: `A${i}` }, { newPerson: i % 2 === 0 })));
      expect(await Promise.all(sealed.map((s) => vault.open(s)))).toEqual(sealed.map((_, i) => ({ ...person, firstName: `A${i}` })));
    });
  });

  describe('when the key is destroyed (erasure)', () => {
    it('opens nothing of what was sealed with it (crypto-shredding)', async () => {
      const id = randomUUID();
      const sealed = await vault.seal(id, person);
      await vault.destroyKey(id, new Date('2026-12-01T10:00:00Z'));
      expect(await vault.open(sealed)).toBeNull();
      expect(await keys.get(id)).toEqual({ id, status: 'destroyed', destroyedAt: '2026-12-01T10:00:00.000Z' });
    });

    it('refuses to seal anything for the person again, as a correction or as a registration (422 PERSONAL_DATA_ERASED)', async () => {
      const id = randomUUID();
      await vault.seal(id, person);
      await vault.destroyKey(id);

      await expect(vault.seal(id, { phone: '+212622222222' })).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED', kind: 'rule' });
      await expect(vault.seal(id, person, { newPerson: true })).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED' });
      expect(await keys.get(id)).toMatchObject({ status: 'destroyed' });
    });

    it('can destroy it again (a retried erasure), and a key never made', async () => {
      const id = randomUUID();
      await vault.destroyKey(id);
      await vault.destroyKey(id);
      await expect(vault.seal(id, person, { newPerson: true })).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED' });
    });
  });

  describe('during a master key rotation', () => {
    it('opens keys wrapped by the previous master key, and wraps new ones with the current', async () => {
      const before = await vault.seal(randomUUID(), person);
      const newMaster = randomBytes(32);
      const rotating = new PersonalDataVault(keys, MasterKeyring.of(newMaster, [masterKey]));

      const after = await rotating.seal(randomUUID(), person);

      expect(await rotating.open(before)).toEqual(person);
      expect(await rotating.open(after)).toEqual(person);
      expect(await keys.get(after.kid)).toMatchObject({ wrapped: { masterKeyId: MasterKeyring.of(newMaster).current.id } });
    });

    it('says which master key is missing rather than reading a person as erased', async () => {
      const sealed = await vault.seal(randomUUID(), person);
      const withoutOldKey = new PersonalDataVault(keys, MasterKeyring.of(randomBytes(32)));

      await expect(withoutOldKey.open(sealed)).rejects.toBeInstanceOf(MasterKeyMissing);
    });
  });

  it('refuses a value sealed for another beneficiary', async () => {
    const sealed = await vault.seal(randomUUID(), person);
    const other = randomUUID();
    await vault.seal(other, person);
    await expect(vault.open({ ...sealed, kid: other })).rejects.toThrow();
  });
});
