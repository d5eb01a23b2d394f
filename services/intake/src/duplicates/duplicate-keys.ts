import { createHmac, hkdfSync } from 'node:crypto';
import { normalisePhone, personNameKey } from './normalise';

/** What duplicate detection knows of a person: their name fields, phone and birth year. */
export interface PersonToMatch {
  firstName: string;
  lastName: string;
  phone?: string;
  birthYear: number;
}

/** What the index keeps of a person: keyed hashes only, never a name, a phone or a birth year. */
export interface IndexedHashes {
  /** The name key in the bucket of the birth year; null when the name has no letter. */
  nameHash: string | null;
  phoneHash: string | null;
}

/** A bucket to look up for a person, and how strongly a match there suggests a duplicate. */
export interface Lookup {
  field: keyof IndexedHashes;
  hash: string;
  /** How a match in this bucket scores (see `SCORES`). */
  match: keyof typeof SCORES;
}

/**
 * How likely a match is the same person. The phone is someone's own line far more often than a
 * name and birth year are someone's alone; a birth year one off is a common mistake at intake
 * (the year of arrival, a rounded age).
 */
export const SCORES = { samePhone: 1.0, sameNameSameYear: 0.9, sameNameAdjacentYear: 0.8 } as const;

/** HKDF `info`: this key's purpose, so that it is never the key of anything else derived from the master key. */
const INDEX_KEY_INFO = 'oriental-cells/intake/duplicate-index/hmac-sha256/v1';

/**
 * Keyed hashes (HMAC-SHA256) of the normalised forms, under a key derived from the personal-data
 * master key (HKDF-SHA256, RFC 5869, with a label of its own). Names and phones are few enough to
 * be guessed, so a plain hash would be read back by hashing a phone book; without the key the
 * index is a set of random strings. The birth year is hashed into the name's bucket, so a
 * person's name key is looked up in three buckets (year - 1, year, year + 1).
 */
export class DuplicateKeys {
  private readonly key: Buffer;
  /**
   * Names the key (a keyed hash of a constant, never the key): the index records which key its
   * hashes are under, and is rebuilt when the master key was rotated (`DuplicateIndexFollower`).
   */
  readonly keyId: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('The personal-data master key must be 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), INDEX_KEY_INFO, 32));
    this.keyId = this.hash('key-id').slice(0, 16);
  }

  /** The hashes a person is indexed under. */
  hashesOf(person: PersonToMatch): IndexedHashes {
    const nameKey = personNameKey(person.firstName, person.lastName);
    const phone = person.phone === undefined ? undefined : normalisePhone(person.phone);
    return {
      nameHash: nameKey === undefined ? null : this.nameHash(nameKey, person.birthYear),
      phoneHash: phone === undefined ? null : this.hash(`phone\u0000${phone}`),
    };
  }

  /** The buckets where someone who may be this person is indexed. */
  lookupsFor(person: PersonToMatch): Lookup[] {
    const lookups: Lookup[] = [];
    const { phoneHash } = this.hashesOf({ ...person, firstName: '', lastName: '' });
    if (phoneHash !== null) lookups.push({ field: 'phoneHash', hash: phoneHash, match: 'samePhone' });
    const nameKey = personNameKey(person.firstName, person.lastName);
    if (nameKey !== undefined) {
      lookups.push({ field: 'nameHash', hash: this.nameHash(nameKey, person.birthYear), match: 'sameNameSameYear' });
      for (const year of [person.birthYear - 1, person.birthYear + 1]) {
        lookups.push({ field: 'nameHash', hash: this.nameHash(nameKey, year), match: 'sameNameAdjacentYear' });
      }
    }
    return lookups;
  }

  private nameHash(nameKey: string, birthYear: number): string {
    return this.hash(`name\u0000${nameKey}\u0000${birthYear}`);
  }

  private hash(input: string): string {
    return createHmac('sha256', this.key).update(input, 'utf8').digest('base64url');
  }
}
