import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedData } from '@oriental/intake-domain';
import { DocumentCollection, ReadStore } from '@oriental/read-store';

/**
 * Personal data never leaves intake unencrypted: each beneficiary's identity is sealed with a
 * key of their own (AES-256-GCM), and that key is stored wrapped by the service's master key.
 * Destroying a beneficiary's key makes their personal data unreadable in every stored event
 * (crypto-shredding) without rewriting the log.
 */
interface WrappedKey {
  iv: string;
  tag: string;
  key: string;
}

export const PERSONAL_DATA_KEYS = 'intake_personal_data_keys';

/**
 * Random bytes for keys and IVs, drawn from one CSPRNG buffer refilled 4 KiB at a time: each
 * `randomBytes` call is a trip into OpenSSL, and a registration needs three (a key, two IVs).
 * Bytes are handed out once and never reused (what `crypto.randomUUID` does for its ids).
 */
const ENTROPY_POOL_SIZE = 4096;
let entropyPool = Buffer.alloc(0);
let entropyOffset = 0;
const freshBytes = (size: number): Buffer => {
  if (entropyOffset + size > entropyPool.length) {
    entropyPool = randomBytes(ENTROPY_POOL_SIZE);
    entropyOffset = 0;
  }
  entropyOffset += size;
  return entropyPool.subarray(entropyOffset - size, entropyOffset);
};

const seal = (key: Buffer, plaintext: Buffer, aad: string) => {
  const iv = freshBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
};

const open = (key: Buffer, sealed: { iv: string; tag: string; ciphertext: string }, aad: string): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
};

export class PersonalDataVault {
  private readonly keys: DocumentCollection<WrappedKey>;

  constructor(
    readStore: ReadStore,
    private readonly masterKey: Buffer,
  ) {
    if (masterKey.length !== 32) throw new Error('The personal-data master key must be 32 bytes');
    this.keys = readStore.collection<WrappedKey>(PERSONAL_DATA_KEYS);
  }

  /** `newPerson`: sealing a registration, whose key almost never exists yet (see `sealingKey`). */
  async seal(beneficiaryId: string, value: unknown, { newPerson = false }: { newPerson?: boolean } = {}): Promise<SealedData> {
    const key = (!newPerson && (await this.storedKey(beneficiaryId))) || (await this.sealingKey(beneficiaryId));
    return { alg: 'A256GCM', kid: beneficiaryId, ...seal(key, Buffer.from(JSON.stringify(value)), beneficiaryId) };
  }

  /** The plaintext, or null when the key was destroyed (erased). */
  async open<T>(sealed: SealedData): Promise<T | null> {
    const key = await this.storedKey(sealed.kid);
    if (!key) return null;
    return JSON.parse(open(key, sealed, sealed.kid).toString('utf8')) as T;
  }

  /** Crypto-shredding: after this, every sealed value of the beneficiary is unreadable. */
  async destroyKey(beneficiaryId: string): Promise<void> {
    await this.keys.delete(beneficiaryId);
  }

  /**
   * A key to seal with, created first (one write that succeeds only if no key exists) and read
   * only when that write finds one, e.g. on a retried registration or a race. A registration's
   * key is almost always new; later notes of a case read the existing key before this.
   */
  private async sealingKey(beneficiaryId: string): Promise<Buffer> {
    for (;;) {
      const key = freshBytes(32);
      const wrapped = seal(this.masterKey, key, `key:${beneficiaryId}`);
      if (await this.keys.write(beneficiaryId, { iv: wrapped.iv, tag: wrapped.tag, key: wrapped.ciphertext }, { expectedVersion: 0 })) {
        return key;
      }
      // Two requests may race to create it: the loser uses the winner's key.
      const stored = await this.storedKey(beneficiaryId);
      if (stored) return stored;
      // Destroyed between the two calls: a new registration creates a new key.
    }
  }

  private async storedKey(beneficiaryId: string): Promise<Buffer | undefined> {
    const stored = await this.keys.get(beneficiaryId);
    return stored ? open(this.masterKey, { ...stored.data, ciphertext: stored.data.key }, `key:${beneficiaryId}`) : undefined;
  }
}
