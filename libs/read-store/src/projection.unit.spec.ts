import { EmbeddedReadStore } from './memory/embedded-read-store';
import { applyToDocument, ConcurrentUpdateError, ProjectionCheckpoints, rebuildProjection } from './projection';
import type { DocumentCollection } from './read-store.port';

type Tally = { total: number };
const increment = (current: Tally | null): Tally => ({ total: (current?.total ?? 0) + 1 });

describe('applyToDocument', () => {
  it('given a document that changes on every attempt, when applying, then it gives up after maxRetries with ConcurrentUpdateError', async () => {
    const tallies = EmbeddedReadStore.open().collection<Tally>('tallies');
    let attempts = 0;
    // Another writer gets in between each read and write.
    const contended: DocumentCollection<Tally> = {
      get: async (id) => {
        attempts++;
        const current = await tallies.get(id);
        await tallies.write(id, increment(current?.data ?? null), { expectedVersion: current?.version ?? 0 });
        return current;
      },
      write: (id, data, options) => tallies.write(id, data, options),
      delete: (id) => tallies.delete(id),
      find: (filter, options) => tallies.find(filter, options),
      count: (filter) => tallies.count(filter),
      countBy: (field, filter) => tallies.countBy(field, filter),
      drop: () => tallies.drop(),
    };

    const applying = applyToDocument(contended, 'cell-oujda', { stream: 'case-1', revision: 0 }, increment, { maxRetries: 3 });

    await expect(applying).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(attempts).toBe(4);
  });
});

describe('rebuildProjection', () => {
  it('given a reader that answers its `after` event again, when rebuilding, then it fails instead of looping', async () => {
    const store = EmbeddedReadStore.open();

    const rebuilding = rebuildProjection({
      name: 'stuck',
      checkpoints: new ProjectionCheckpoints(store),
      collections: [],
      readAll: async () => [{ position: '0001' }],
      apply: async () => undefined,
    });

    await expect(rebuilding).rejects.toThrow('not after 0001');
  });
});
