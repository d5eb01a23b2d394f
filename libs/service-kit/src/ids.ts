import { createHash, randomUUID } from 'node:crypto';

/** RFC 9562 UUID version 5 (name-based, SHA-1): the same name always gives the same id. */
export const uuidV5 = (name: string, namespace = ORIENTAL_NAMESPACE): string => {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/** Namespace of this system's name-based ids (itself a random UUID, fixed once). */
export const ORIENTAL_NAMESPACE = '4f1c8a9e-2b7d-4c3e-9a51-6d0e8b2f7c14';

export const newId = (): string => randomUUID();

/** JSON with object keys sorted, so that equal bodies hash equally whatever their key order. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
