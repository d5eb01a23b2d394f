import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { PERSONAL_DATA_KEYS, PersonalDataVault } from './personal-data-vault';

describe('PersonalDataVault', () => {
  let readStore: ReadStore;
  let vault: PersonalDataVault;
  const person = { firstName: 'Amina', lastName: 'Benali', phone: '+212600000000' };

  beforeEach(async () => {
    readStore = await createReadStore({ kind: 'memory' });
    vault = new PersonalDataVault(readStore, randomBytes(32));
  });

  afterEach(() => readStore.close());

  describe('when a beneficiary is sealed for the first time', () => {
    it('creates their key, stores it wrapped, and opens what it sealed', async () => {
      const id = randomUUID();
      const sealed = await vault.seal(id, person);

      expect(sealed).toMatchObject({ alg: 'A256GCM', kid: id });
      expect(JSON.stringify(sealed)).not.toMatch(/Amina|Benali|212600000000/);
      const stored = await readStore.collection<{ key: string }>(PERSONAL_DATA_KEYS).get(id);
      expect(stored?.data.key).toEqual(expect.any(String));
      expect(await vault.open(sealed)).toEqual(person);
    });

    it('never reuses an IV or a key', async () => {
      const sealed = await Promise.all(Array.from({ length: 300 }, () => vault.seal(randomUUID(), person)));
      expect(new Set(sealed.map((s) => s.iv)).size).toBe(300);
      const keys = await readStore.collection<{ key: string }>(PERSONAL_DATA_KEYS).getMany(sealed.map((s) => s.kid));
      expect(new Set(keys.map((k) => k.data.key)).size).toBe(300);
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
      const sealed = await Promise.all(Array.from({ length: 5 }, (_, i) => vault.seal(id, { ...person, firstName: `A${i}` })));
      expect(await Promise.all(sealed.map((s) => vault.open(s)))).toEqual(sealed.map((_, i) => ({ ...person, firstName: `A${i}` })));
    });
  });

  describe('when the key is destroyed', () => {
    it('opens nothing of what was sealed with it (crypto-shredding)', async () => {
      const id = randomUUID();
      const sealed = await vault.seal(id, person);
      await vault.destroyKey(id);
      expect(await vault.open(sealed)).toBeNull();
    });
  });

  it('refuses a value sealed for another beneficiary', async () => {
    const sealed = await vault.seal(randomUUID(), person);
    const other = randomUUID();
    await vault.seal(other, person);
    await expect(vault.open({ ...sealed, kid: other })).rejects.toThrow();
  });
});
