import type { SealedData } from '@oriental/contracts';
import { RuleViolation } from '@oriental/domain-kit';
import type { KeyStore } from '@oriental/key-store';
import { open, seal } from './aes-gcm';
import { MasterKeyring } from './master-keyring';

/**
 * Personal data never leaves its service unencrypted: each person's data (a beneficiary's
 * identity in intake, a participant's names in capacity building) is sealed with a key of their
 * own (AES-256-GCM), and that key is kept in the service's key store (ADR 0012) wrapped by the
 * master key. Destroying a person's key makes their personal data unreadable in every stored
 * event (crypto-shredding) without rewriting the log; its tombstone makes sure nothing is sealed
 * for them again.
 */

/** Personal data of a person whose data was erased: nothing is sealed for them any more (HTTP 422). */
export class SealingAfterErasure extends RuleViolation {
  constructor(personId: string) {
    super('PERSONAL_DATA_ERASED', `The personal data of ${personId} was erased: none can be recorded for them any more`);
  }
}

export class PersonalDataVault {
  constructor(
    private readonly keys: KeyStore,
    private readonly keyring: MasterKeyring,
  ) {}

  /**
   * Seals `value` with the key of `personId`, the key id (`kid`) and additional data of what it
   * seals. `newPerson`: sealing a first record, whose key almost never exists yet (see
   * `sealingKey`). Throws SealingAfterErasure when the person's key was destroyed.
   */
  async seal(personId: string, value: unknown, { newPerson = false }: { newPerson?: boolean } = {}): Promise<SealedData> {
    const key = (!newPerson && (await this.storedKey(personId, { refuseErased: true }))) || (await this.sealingKey(personId));
    return { alg: 'A256GCM', kid: personId, ...seal(key, Buffer.from(JSON.stringify(value)), personId) };
  }

  /** The plaintext, or null when the key was destroyed (erased). */
  async open<T>(sealed: SealedData): Promise<T | null> {
    const key = await this.storedKey(sealed.kid);
    if (!key) return null;
    return JSON.parse(open(key, sealed, sealed.kid).toString('utf8')) as T;
  }

  /** Crypto-shredding: after this, every sealed value of the person is unreadable, and nothing is sealed for them again. */
  async destroyKey(personId: string, at: Date = new Date()): Promise<void> {
    await this.keys.destroy(personId, at);
  }

  /**
   * A key to seal with, created first (one write that succeeds only if no key exists) and read
   * only when that write finds one, e.g. on a retried first record or a race. A first record's
   * key is almost always new; later records read the existing key before this.
   */
  private async sealingKey(personId: string): Promise<Buffer> {
    const { key, wrapped } = this.keyring.newDataKey(personId);
    switch (await this.keys.put(personId, wrapped)) {
      case 'created':
        return key;
      case 'exists': {
        // Two requests raced to create it: the loser uses the winner's key.
        const stored = await this.storedKey(personId, { refuseErased: true });
        if (stored) return stored;
        throw new SealingAfterErasure(personId);
      }
      case 'destroyed':
        throw new SealingAfterErasure(personId);
    }
  }

  private async storedKey(personId: string, { refuseErased = false } = {}): Promise<Buffer | undefined> {
    const stored = await this.keys.get(personId);
    if (stored?.status === 'destroyed') {
      if (refuseErased) throw new SealingAfterErasure(personId);
      return undefined;
    }
    return stored ? this.keyring.unwrap(personId, stored.wrapped) : undefined;
  }
}
