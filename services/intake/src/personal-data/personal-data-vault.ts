import type { SealedData } from '@oriental/intake-domain';
import type { KeyStore } from '@oriental/key-store';
import { RuleViolation } from '@oriental/domain-kit';
import { open, seal } from './aes-gcm';
import { MasterKeyring } from './master-keyring';

/**
 * Personal data never leaves intake unencrypted: each beneficiary's identity is sealed with a
 * key of their own (AES-256-GCM), and that key is kept in the key store (ADR 0012) wrapped by
 * the service's master key. Destroying a beneficiary's key makes their personal data unreadable
 * in every stored event (crypto-shredding) without rewriting the log; its tombstone makes sure
 * nothing is sealed for them again.
 */

/** The collection where intake kept the wrapped keys before the key store: read once, by `migrateLegacyKeys`. */
export const PERSONAL_DATA_KEYS = 'intake_personal_data_keys';

/** Personal data of a person whose data was erased: nothing is sealed for them any more (HTTP 422). */
export class SealingAfterErasure extends RuleViolation {
  constructor(beneficiaryId: string) {
    super('PERSONAL_DATA_ERASED', `The personal data of beneficiary ${beneficiaryId} was erased: none can be recorded for them any more`);
  }
}

export class PersonalDataVault {
  constructor(
    private readonly keys: KeyStore,
    private readonly keyring: MasterKeyring,
  ) {}

  /**
   * `newPerson`: sealing a registration, whose key almost never exists yet (see `sealingKey`).
   * Throws SealingAfterErasure when the beneficiary's key was destroyed.
   */
  async seal(beneficiaryId: string, value: unknown, { newPerson = false }: { newPerson?: boolean } = {}): Promise<SealedData> {
    const key = (!newPerson && (await this.storedKey(beneficiaryId, { refuseErased: true }))) || (await this.sealingKey(beneficiaryId));
    return { alg: 'A256GCM', kid: beneficiaryId, ...seal(key, Buffer.from(JSON.stringify(value)), beneficiaryId) };
  }

  /** The plaintext, or null when the key was destroyed (erased). */
  async open<T>(sealed: SealedData): Promise<T | null> {
    const key = await this.storedKey(sealed.kid);
    if (!key) return null;
    return JSON.parse(open(key, sealed, sealed.kid).toString('utf8')) as T;
  }

  /** Crypto-shredding: after this, every sealed value of the beneficiary is unreadable, and nothing is sealed for them again. */
  async destroyKey(beneficiaryId: string, at: Date = new Date()): Promise<void> {
    await this.keys.destroy(beneficiaryId, at);
  }

  /**
   * A key to seal with, created first (one write that succeeds only if no key exists) and read
   * only when that write finds one, e.g. on a retried registration or a race. A registration's
   * key is almost always new; later notes of a case read the existing key before this.
   */
  private async sealingKey(beneficiaryId: string): Promise<Buffer> {
    const { key, wrapped } = this.keyring.newDataKey(beneficiaryId);
    switch (await this.keys.put(beneficiaryId, wrapped)) {
      case 'created':
        return key;
      case 'exists': {
        // Two requests raced to create it: the loser uses the winner's key.
        const stored = await this.storedKey(beneficiaryId, { refuseErased: true });
        if (stored) return stored;
        throw new SealingAfterErasure(beneficiaryId);
      }
      case 'destroyed':
        throw new SealingAfterErasure(beneficiaryId);
    }
  }

  private async storedKey(beneficiaryId: string, { refuseErased = false } = {}): Promise<Buffer | undefined> {
    const stored = await this.keys.get(beneficiaryId);
    if (stored?.status === 'destroyed') {
      if (refuseErased) throw new SealingAfterErasure(beneficiaryId);
      return undefined;
    }
    return stored ? this.keyring.unwrap(beneficiaryId, stored.wrapped) : undefined;
  }
}
