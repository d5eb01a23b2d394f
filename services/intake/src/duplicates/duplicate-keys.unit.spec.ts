import { randomBytes } from 'node:crypto';
import { DuplicateKeys, PersonToMatch } from './duplicate-keys';

const masterKey = randomBytes(32);
const keys = new DuplicateKeys(masterKey);
const amina: PersonToMatch = { firstName: 'Amina', lastName: 'El Amrani', phone: '+212600000000', birthYear: 1988 };

describe('DuplicateKeys', () => {
  describe('when a person is indexed', () => {
    it('keeps keyed hashes, with no trace of the name, the phone or the year', () => {
      const hashes = keys.hashesOf(amina);
      expect(hashes).toEqual({ nameHash: expect.stringMatching(/^[\w-]{43}$/), phoneHash: expect.stringMatching(/^[\w-]{43}$/) });
      expect(JSON.stringify(hashes)).not.toMatch(/amina|amrani|amn|amrn|212600000000|600000000|1988/i);
    });

    it('gives every spelling of the name, and every form of the phone, one hash', () => {
      expect(keys.hashesOf({ firstName: 'أمينة', lastName: 'العمراني', phone: '06 00 00 00 00', birthYear: 1988 })).toEqual(keys.hashesOf(amina));
    });

    it('has no phone hash without a phone, and no name hash for a name without letters', () => {
      expect(keys.hashesOf({ firstName: 'Amina', lastName: 'Benali', birthYear: 1988 }).phoneHash).toBeNull();
      expect(keys.hashesOf({ firstName: '-', lastName: 'Benali', birthYear: 1988 }).nameHash).toBeNull();
    });

    it('puts the same name in another bucket for another birth year', () => {
      expect(keys.hashesOf({ ...amina, birthYear: 1989 }).nameHash).not.toBe(keys.hashesOf(amina).nameHash);
    });
  });

  describe('when the key is another', () => {
    it('gives other hashes: the index is useless without the master key', () => {
      const other = new DuplicateKeys(randomBytes(32)).hashesOf(amina);
      const mine = keys.hashesOf(amina);
      expect(other.nameHash).not.toBe(mine.nameHash);
      expect(other.phoneHash).not.toBe(mine.phoneHash);
    });

    it('derives the same key from the same master key, and refuses a master key of another size', () => {
      expect(new DuplicateKeys(masterKey).hashesOf(amina)).toEqual(keys.hashesOf(amina));
      expect(() => new DuplicateKeys(randomBytes(16))).toThrow('32 bytes');
    });
  });

  describe('when a person is looked up', () => {
    it('looks in the phone bucket and the name buckets of the year before, the year and the year after', () => {
      const lookups = keys.lookupsFor(amina);
      expect(lookups.map(({ field, match }) => [field, match])).toEqual([
        ['phoneHash', 'samePhone'],
        ['nameHash', 'sameNameSameYear'],
        ['nameHash', 'sameNameAdjacentYear'],
        ['nameHash', 'sameNameAdjacentYear'],
      ]);
      const indexedIn = (year: number) => keys.hashesOf({ ...amina, birthYear: year }).nameHash;
      expect(lookups.slice(1).map((lookup) => lookup.hash)).toEqual([indexedIn(1988), indexedIn(1987), indexedIn(1989)]);
      expect(lookups[0]!.hash).toBe(keys.hashesOf(amina).phoneHash);
    });

    it('looks only by name without a phone', () => {
      expect(keys.lookupsFor({ ...amina, phone: undefined }).map((lookup) => lookup.field)).toEqual(['nameHash', 'nameHash', 'nameHash']);
    });
  });
});
