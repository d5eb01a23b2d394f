import type { KeyStore } from '@oriental/key-store';
import type { ReadStore } from '@oriental/read-store';
import type { MasterKeyring } from '@oriental/personal-data';

/** The collection where intake kept the wrapped keys before the key store: read once, by `migrateLegacyKeys`. */
export const PERSONAL_DATA_KEYS = 'intake_personal_data_keys';

/** A key as intake kept it in its read store before the key store: wrapped, without the id of its master key. */
interface LegacyWrappedKey {
  iv: string;
  tag: string;
  key: string;
}

/** The master key id given to a moved key that no held master key opens: kept, never opened, counted. */
export const UNIDENTIFIED_MASTER_KEY = 'unidentified';

const PAGE = 500;

/**
 * Moves the wrapped keys intake kept in its read store (`intake_personal_data_keys`, which a
 * rebuild or a lost read-model file would have taken with it) into the key store, once, at boot
 * and before `npm run rotate-master-key`. Idempotent: each key is put if absent (a key already
 * there, or its tombstone, wins), and the old collection is emptied only after every key is in,
 * so a crash halfway moves the rest at the next boot. The bytes move as they are (same wrapping,
 * same AES-GCM additional data); each is labelled with the held master key that opens it.
 */
export const migrateLegacyKeys = async (
  readStore: ReadStore,
  keys: KeyStore,
  keyring: MasterKeyring,
): Promise<{ moved: number; unidentified: number }> => {
  const legacy = readStore.collection<LegacyWrappedKey>(PERSONAL_DATA_KEYS);
  let moved = 0;
  let unidentified = 0;
  for (let afterId: string | undefined; ; ) {
    const page = await legacy.find({}, { limit: PAGE, ...(afterId === undefined ? {} : { afterId }) });
    for (const { id, data } of page) {
      const masterKeyId = keyring.identify(id, data);
      if (masterKeyId === undefined) unidentified++;
      await keys.put(id, { masterKeyId: masterKeyId ?? UNIDENTIFIED_MASTER_KEY, iv: data.iv, tag: data.tag, key: data.key });
      moved++;
    }
    if (page.length < PAGE) break;
    afterId = page[page.length - 1]!.id;
  }
  if (moved > 0) await legacy.drop();
  return { moved, unidentified };
};
