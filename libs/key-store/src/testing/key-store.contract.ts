import { randomUUID } from 'node:crypto';
import type { KeyStore, WrappedKey } from '../key-store.port';

export interface KeyStoreUnderTest {
  store: KeyStore;
  /** Removes what the suite wrote (on a shared server) and closes the store. */
  cleanup(): Promise<void>;
}

const wrappedBy = (masterKeyId: string, key = randomUUID()): WrappedKey => ({ masterKeyId, iv: `iv-${key}`, tag: `tag-${key}`, key: `key-${key}` });

/**
 * What every key store adapter must do, run against each of them (embedded SQLite, MongoDB):
 * create-once puts, tombstones that refuse a key after its destruction, compare-and-set
 * rewraps and the pages a master-key rotation walks.
 */
export const keyStoreContract = (name: string, open: () => Promise<KeyStoreUnderTest>): void => {
  describe(`KeyStore contract: ${name}`, () => {
    let store: KeyStore;
    let cleanup: () => Promise<void>;
    /** Ids unique to each test, sorted as created (a shared server keeps other runs' keys apart by database). */
    let prefix: string;
    let counter: number;
    const anId = () => `${prefix}-${String(counter++).padStart(4, '0')}`;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      prefix = `k${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
      counter = 0;
    });
    afterEach(() => cleanup());

    describe('put and get', () => {
      it('stores a wrapped key and gives it back as it was put', async () => {
        const id = anId();
        const wrapped = wrappedBy('mk-1');

        expect(await store.put(id, wrapped)).toBe('created');
        expect(await store.get(id)).toEqual({ id, status: 'active', wrapped });
      });

      it('answers undefined for a key never put', async () => {
        expect(await store.get(anId())).toBeUndefined();
      });

      it('keeps the first key put: a second put says it exists and changes nothing', async () => {
        const id = anId();
        const first = wrappedBy('mk-1');
        await store.put(id, first);

        expect(await store.put(id, wrappedBy('mk-1'))).toBe('exists');
        expect(await store.get(id)).toEqual({ id, status: 'active', wrapped: first });
      });

      it('gives racing puts one winner, which every one of them then reads', async () => {
        const id = anId();
        const candidates = Array.from({ length: 8 }, () => wrappedBy('mk-1'));

        const outcomes = await Promise.all(candidates.map((wrapped) => store.put(id, wrapped)));

        expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'exists')).toHaveLength(7);
        const stored = await store.get(id);
        expect(stored?.status === 'active' && stored.wrapped).toEqual(candidates[outcomes.indexOf('created')]);
      });

      it('refuses an empty id or a wrapped key with a missing part', async () => {
        await expect(store.put('', wrappedBy('mk-1'))).rejects.toThrow(/key id/);
        await expect(store.put(anId(), { ...wrappedBy('mk-1'), key: '' })).rejects.toThrow(/key/);
      });
    });

    describe('destroy', () => {
      it('leaves a tombstone without the key, and refuses any key for that id afterwards', async () => {
        const id = anId();
        await store.put(id, wrappedBy('mk-1'));

        await store.destroy(id, new Date('2026-12-01T10:00:00Z'));

        expect(await store.get(id)).toEqual({ id, status: 'destroyed', destroyedAt: '2026-12-01T10:00:00.000Z' });
        expect(await store.put(id, wrappedBy('mk-1'))).toBe('destroyed');
        expect(await store.get(id)).toEqual({ id, status: 'destroyed', destroyedAt: '2026-12-01T10:00:00.000Z' });
      });

      it('is idempotent: a second destroy keeps the first instant', async () => {
        const id = anId();
        await store.put(id, wrappedBy('mk-1'));
        await store.destroy(id, new Date('2026-12-01T10:00:00Z'));

        await store.destroy(id, new Date('2026-12-02T10:00:00Z'));

        expect(await store.get(id)).toEqual({ id, status: 'destroyed', destroyedAt: '2026-12-01T10:00:00.000Z' });
      });

      it('of a key never put, still leaves a tombstone (an erasure retried after the key was gone)', async () => {
        const id = anId();

        await store.destroy(id, new Date('2026-12-01T10:00:00Z'));

        expect(await store.put(id, wrappedBy('mk-1'))).toBe('destroyed');
      });

      it('touches no other key', async () => {
        const [kept, destroyed] = [anId(), anId()];
        const wrapped = wrappedBy('mk-1');
        await store.put(kept, wrapped);
        await store.put(destroyed, wrappedBy('mk-1'));

        await store.destroy(destroyed, new Date());

        expect(await store.get(kept)).toEqual({ id: kept, status: 'active', wrapped });
      });
    });

    describe('rewrap', () => {
      it('replaces the wrapping when it is still by the master key expected', async () => {
        const id = anId();
        await store.put(id, wrappedBy('mk-1'));
        const next = wrappedBy('mk-2');

        expect(await store.rewrap(id, 'mk-1', next)).toBe(true);
        expect(await store.get(id)).toEqual({ id, status: 'active', wrapped: next });
      });

      it('writes nothing when the key was rewrapped already, destroyed, or never put', async () => {
        const [rewrapped, destroyed, absent] = [anId(), anId(), anId()];
        const current = wrappedBy('mk-2');
        await store.put(rewrapped, current);
        await store.put(destroyed, wrappedBy('mk-1'));
        await store.destroy(destroyed, new Date('2026-12-01T10:00:00Z'));

        expect(await store.rewrap(rewrapped, 'mk-1', wrappedBy('mk-3'))).toBe(false);
        expect(await store.rewrap(destroyed, 'mk-1', wrappedBy('mk-2'))).toBe(false);
        expect(await store.rewrap(absent, 'mk-1', wrappedBy('mk-2'))).toBe(false);
        expect(await store.get(rewrapped)).toEqual({ id: rewrapped, status: 'active', wrapped: current });
        expect(await store.get(destroyed)).toMatchObject({ status: 'destroyed' });
        expect(await store.get(absent)).toBeUndefined();
      });
    });

    describe('list and counts', () => {
      it('pages the active keys in id order, tombstones left out', async () => {
        const ids = Array.from({ length: 5 }, anId);
        for (const id of [...ids].reverse()) await store.put(id, wrappedBy('mk-1'));
        await store.destroy(ids[2]!, new Date());

        const first = await store.list({ limit: 2 });
        const second = await store.list({ after: first.next!, limit: 2 });
        const last = await store.list({ after: second.next!, limit: 2 });

        expect(first.keys.map(({ id }) => id)).toEqual([ids[0], ids[1]]);
        expect(second.keys.map(({ id }) => id)).toEqual([ids[3], ids[4]]);
        expect(last).toEqual({ keys: [] });
        expect(first.keys[0]!.wrapped).toMatchObject({ masterKeyId: 'mk-1' });
      });

      it('lists only keys wrapped by another master key when asked (what a rotation has left)', async () => {
        const [old1, current, old2] = [anId(), anId(), anId()];
        await store.put(old1, wrappedBy('mk-1'));
        await store.put(current, wrappedBy('mk-2'));
        await store.put(old2, wrappedBy('mk-1'));

        const page = await store.list({ limit: 10, notWrappedBy: 'mk-2' });

        expect(page.keys.map(({ id }) => id)).toEqual([old1, old2]);
        expect(page.next).toBeUndefined();
      });

      it('counts active keys per master key, and tombstones', async () => {
        const ids = Array.from({ length: 4 }, anId);
        await store.put(ids[0]!, wrappedBy('mk-1'));
        await store.put(ids[1]!, wrappedBy('mk-2'));
        await store.put(ids[2]!, wrappedBy('mk-2'));
        await store.destroy(ids[3]!, new Date());

        expect(await store.counts()).toEqual({ byMasterKey: { 'mk-1': 1, 'mk-2': 2 }, destroyed: 1 });
      });
    });

    it('is up until closed', async () => {
      expect(await store.health()).toMatchObject({ status: 'up', kind: store.kind });
    });
  });
};
