import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A value sealed with AES-256-GCM: base64 IV, authentication tag and ciphertext. */
export interface Sealed {
  iv: string;
  tag: string;
  ciphertext: string;
}

/**
 * Random bytes for keys and IVs, drawn from one CSPRNG buffer refilled 4 KiB at a time: each
 * `randomBytes` call is a trip into OpenSSL, and a registration needs three (a key, two IVs).
 * Bytes are handed out once and never reused (what `crypto.randomUUID` does for its ids).
 */
const ENTROPY_POOL_SIZE = 4096;
let entropyPool = Buffer.alloc(0);
let entropyOffset = 0;
export const freshBytes = (size: number): Buffer => {
  if (entropyOffset + size > entropyPool.length) {
    entropyPool = randomBytes(ENTROPY_POOL_SIZE);
    entropyOffset = 0;
  }
  entropyOffset += size;
  return entropyPool.subarray(entropyOffset - size, entropyOffset);
};

/** AES-256-GCM under `key`, bound to `aad` (what it belongs to: opening it elsewhere fails). */
export const seal = (key: Buffer, plaintext: Buffer, aad: string): Sealed => {
  const iv = freshBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
};

export const open = (key: Buffer, sealed: Sealed, aad: string): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
};
