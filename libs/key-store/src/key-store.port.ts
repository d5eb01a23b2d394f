/**
 * The key store: where each beneficiary's data key is kept, wrapped (encrypted) by a master key
 * that is never stored here. It is NOT a read model: nothing derives it from the event store, so
 * nothing may rebuild, drop or replay it. Losing a key loses that person's data for good, as
 * erasure does on purpose (ADR 0012).
 *
 * The port stores opaque bytes: wrapping and unwrapping are its user's business (intake's vault).
 */

/** A data key as stored: its ciphertext under the master key `masterKeyId` (AES-256-GCM), base64. */
export interface WrappedKey {
  /** Which master key wrapped it (a fingerprint, never the key): several are valid during a rotation. */
  masterKeyId: string;
  iv: string;
  tag: string;
  key: string;
}

/** A key of the store: active (its wrapped bytes), or destroyed (a tombstone, no bytes). */
export type StoredKey = { id: string; status: 'active'; wrapped: WrappedKey } | { id: string; status: 'destroyed'; destroyedAt: string };

/** What `put` did: stored it, found one there already, or found the tombstone of a destroyed one. */
export type PutOutcome = 'created' | 'exists' | 'destroyed';

export interface KeyPage {
  keys: { id: string; wrapped: WrappedKey }[];
  /** Pass as `after` for the next page; undefined on the last page. */
  next?: string;
}

export interface KeyStoreHealth {
  status: 'up' | 'down';
  kind: string;
  details?: Record<string, unknown>;
}

export interface KeyStore {
  readonly kind: 'sqlite' | 'mongodb';
  /**
   * Stores the key of `id` unless the store already holds one, or its tombstone: one atomic
   * write, so that two writers racing on one id end up with one key (the loser reads the
   * winner's). A destroyed key is never stored again: sealing after erasure is refused.
   */
  put(id: string, wrapped: WrappedKey): Promise<PutOutcome>;
  get(id: string): Promise<StoredKey | undefined>;
  /**
   * Replaces the wrapping of an active key still wrapped by `expectedMasterKeyId` (a rotation):
   * false, writing nothing, when it is not (already rewrapped, destroyed, or absent).
   */
  rewrap(id: string, expectedMasterKeyId: string, wrapped: WrappedKey): Promise<boolean>;
  /**
   * Destroys the key of `id`: its bytes are gone from the store, a tombstone stays (`put` then
   * answers 'destroyed'). Idempotent: destroying again (or an id never stored) leaves a tombstone.
   */
  destroy(id: string, at: Date): Promise<void>;
  /**
   * Active keys in id order, after `after`, at most `limit`; `notWrappedBy`: only those wrapped
   * by another master key (what a rotation has left to do).
   */
  list(options: { after?: string; limit: number; notWrappedBy?: string }): Promise<KeyPage>;
  /** Active keys per master key id, and tombstones: rotation progress, health. */
  counts(): Promise<{ byMasterKey: Record<string, number>; destroyed: number }>;
  health(): Promise<KeyStoreHealth>;
  close(): Promise<void>;
}

/** Ids are beneficiary ids (UUIDs) or names of a service's own keys: short, printable, no control characters. */
export const assertKeyId = (id: string): void => {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || /[\u0000-\u001f]/.test(id)) {
    throw new Error(`Invalid key id ${JSON.stringify(id)}`);
  }
};

export const assertWrappedKey = (wrapped: WrappedKey): void => {
  for (const field of ['masterKeyId', 'iv', 'tag', 'key'] as const) {
    if (typeof wrapped?.[field] !== 'string' || wrapped[field].length === 0) throw new Error(`A wrapped key needs a non-empty ${field}`);
  }
};
