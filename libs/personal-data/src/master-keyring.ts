import { hkdfSync } from 'node:crypto';
import type { WrappedKey } from '@oriental/key-store';
import { freshBytes, open, seal } from './aes-gcm';

/** A master key and its id: a fingerprint that names it in every key it wrapped, never the key. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** HKDF `info` of the fingerprint: no other use of the master key derives the same bytes. */
const KEY_ID_INFO = 'oriental-cells/personal-data/master-key-id/v1';

/** 64 bits of HKDF-SHA256 of the key, hex: tells keys apart, reveals nothing of them. */
export const masterKeyId = (key: Buffer): string => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), KEY_ID_INFO, 8)).toString('hex');

export const masterKeyOf = (key: Buffer): MasterKey => {
  if (key.length !== 32) throw new Error('The personal-data master key must be 32 bytes');
  return { id: masterKeyId(key), key };
};

/** A data key wrapped by a master key this service does not hold (a copy of the data without its key, or an unfinished rotation whose old key was lost). */
export class MasterKeyMissing extends Error {
  constructor(readonly masterKeyId: string) {
    super(`A personal-data key is wrapped by master key ${masterKeyId}, which this service does not hold (see ADR 0010 and 0012)`);
    this.name = 'MasterKeyMissing';
  }
}

/** What a beneficiary's key is bound to when wrapped (AES-GCM additional data): the same as before the key store. */
const aadOf = (keyId: string): string => `key:${keyId}`;

/**
 * The master keys a service holds: the current one, which wraps every new key, and the previous
 * ones of a rotation in progress, which still unwrap the keys not rewrapped yet. A crash in the
 * middle of a rotation leaves keys under both: every one of them still opens.
 */
export class MasterKeyring {
  private readonly byId: Map<string, MasterKey>;

  constructor(
    readonly current: MasterKey,
    readonly previous: readonly MasterKey[] = [],
  ) {
    this.byId = new Map([...previous, current].map((masterKey) => [masterKey.id, masterKey]));
  }

  static of(current: Buffer, previous: readonly Buffer[] = []): MasterKeyring {
    const currentKey = masterKeyOf(current);
    return new MasterKeyring(currentKey, previous.map(masterKeyOf).filter((key) => key.id !== currentKey.id));
  }

  holds(masterKeyId: string): boolean {
    return this.byId.has(masterKeyId);
  }

  /** A new random data key, and its wrapping under the current master key. */
  newDataKey(keyId: string): { key: Buffer; wrapped: WrappedKey } {
    const key = Buffer.from(freshBytes(32));
    return { key, wrapped: this.wrap(keyId, key) };
  }

  wrap(keyId: string, dataKey: Buffer): WrappedKey {
    const sealed = seal(this.current.key, dataKey, aadOf(keyId));
    return { masterKeyId: this.current.id, iv: sealed.iv, tag: sealed.tag, key: sealed.ciphertext };
  }

  /** The data key; throws MasterKeyMissing when its master key is not held, and on a forged or misplaced wrapping. */
  unwrap(keyId: string, wrapped: WrappedKey): Buffer {
    const master = this.byId.get(wrapped.masterKeyId);
    if (!master) throw new MasterKeyMissing(wrapped.masterKeyId);
    return open(master.key, { iv: wrapped.iv, tag: wrapped.tag, ciphertext: wrapped.key }, aadOf(keyId));
  }

  /** The id of the held master key that wrapped these bytes, tried one by one (keys stored before they carried it). */
  identify(keyId: string, legacy: { iv: string; tag: string; key: string }): string | undefined {
    for (const master of this.byId.values()) {
      try {
        open(master.key, { iv: legacy.iv, tag: legacy.tag, ciphertext: legacy.key }, aadOf(keyId));
        return master.id;
      } catch {
        // Not this one.
      }
    }
    return undefined;
  }
}
