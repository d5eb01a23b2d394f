/**
 * A value sealed by a personal-data vault (`libs/personal-data`: AES-256-GCM) with the key of
 * the person `kid`, as it stands in a stored event in place of the personal data. One shape for
 * every context that keeps personal data (intake's beneficiaries, capacity building's
 * participants) and for every reader of the log: a reader without the vault sees that a value
 * is there, never what it says. It never goes on the bus.
 */
export interface SealedData {
  alg: 'A256GCM';
  /** Key id: the person's id (a beneficiary, a participant), whose key alone opens it. */
  kid: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export const isSealed = (value: unknown): value is SealedData =>
  typeof value === 'object' && value !== null && (value as { alg?: unknown }).alg === 'A256GCM' && typeof (value as { ciphertext?: unknown }).ciphertext === 'string';
