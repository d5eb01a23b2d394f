import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DocumentCollection, ReadStore } from '@oriental/read-store';

/**
 * Personal data never leaves intake unencrypted: each beneficiary's identity is sealed with a
 * key of their own (AES-256-GCM), and that key is stored wrapped by the service's master key.
 * Destroying a beneficiary's key makes their personal data unreadable in every stored event
 * (crypto-shredding) without rewriting the log.
 */
export interface SealedData {
  alg: 'A256GCM';
  /** Key id: the beneficiary id. */
  kid: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

interface WrappedKey {
  iv: string;
  tag: string;
  key: string;
}

export const PERSONAL_DATA_KEYS = 'intake_personal_data_keys';

const seal = (key: Buffer, plaintext: Buffer, aad: string) => {
  const iv = randomBytes(12);
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

  async seal(beneficiaryId: string, value: unknown): Promise<SealedData> {
    const key = await this.keyFor(beneficiaryId, true);
    return { alg: 'A256GCM', kid: beneficiaryId, ...seal(key!, Buffer.from(JSON.stringify(value)), beneficiaryId) };
  }

  /** The plaintext, or null when the key was destroyed (erased). */
  async open<T>(sealed: SealedData): Promise<T | null> {
    const key = await this.keyFor(sealed.kid, false);
    if (!key) return null;
    return JSON.parse(open(key, sealed, sealed.kid).toString('utf8')) as T;
  }

  /** Crypto-shredding: after this, every sealed value of the beneficiary is unreadable. */
  async destroyKey(beneficiaryId: string): Promise<void> {
    await this.keys.delete(beneficiaryId);
  }

  private async keyFor(beneficiaryId: string, create: boolean): Promise<Buffer | undefined> {
    for (;;) {
      const stored = await this.keys.get(beneficiaryId);
      if (stored) return open(this.masterKey, { ...stored.data, ciphertext: stored.data.key }, `key:${beneficiaryId}`);
      if (!create) return undefined;
      const key = randomBytes(32);
      const wrapped = seal(this.masterKey, key, `key:${beneficiaryId}`);
      // Two requests may race to create it: the loser reads the winner's key.
      if (await this.keys.write(beneficiaryId, { iv: wrapped.iv, tag: wrapped.tag, key: wrapped.ciphertext }, { expectedVersion: 0 })) {
        return key;
      }
    }
  }
}
