import { Count, disclosureFor, OTHER, SUPPRESSED } from './figures';

/** What a published count says of the true one, to someone who knows the rule: the lowest and highest counts that publish as it. */
const ranges = new Map<Count, [number, number]>();
for (let n = 0; n < 1_000; n++) {
  const published = disclosureFor('public').count(n);
  const [low, high] = ranges.get(published) ?? [n, n];
  ranges.set(published, [Math.min(low, n), Math.max(high, n)]);
}
const range = (published: Count): [number, number] => ranges.get(published)!;

/** Every table of `size` counts from 0 to `max`. */
const tables = (size: number, max: number): number[][] =>
  size === 0 ? [[]] : tables(size - 1, max).flatMap((table) => Array.from({ length: max + 1 }, (_, n) => [...table, n]));

describe('the disclosure rule of public reports', () => {
  const publish = disclosureFor('public');

  it('shows a count below 5 as "<5" and rounds the others to the nearest multiple of 10', () => {
    expect([0, 1, 4, 5, 14, 15, 24, 25, 104].map(publish.count)).toEqual(['<5', '<5', '<5', 10, 10, 20, 20, 30, 100]);
  });

  it('lists every value a breakdown could hold, an empty one as "<5"; an open list shows the values counted 5 times or more, and the rest as other', () => {
    expect(publish.counts({ oujda: 3, nador: 23 }, ['berkane', 'nador', 'oujda'])).toEqual({ berkane: '<5', nador: 20, oujda: '<5' });
    expect(publish.counts({ MA: 23, SN: 3, ES: 1 })).toEqual({ MA: 20, [OTHER]: '<5' });
    expect(publish.counts({ MA: 23, SN: 3, ES: 4 })).toEqual({ MA: 20, [OTHER]: 10 });
    expect(publish.keys(['oujda'], ['nador'])).toEqual(['nador', 'oujda']);
  });

  it('never lets a suppressed count be recovered from its total and the counts shown beside it', () => {
    // An attacker who knows the rule sees a breakdown and its total, and narrows each suppressed
    // count to what the others' ranges and the total's allow. On every table of up to four counts
    // of 0 to 14, and on many small counts beside a large one, each keeps two values or more.
    const structured = [1, 2, 3, 4].flatMap((small) => Array.from({ length: 14 }, (_, k) => Array.from({ length: 30 }, (_, large) => [...Array<number>(k + 1).fill(small), large]))).flat();
    const pinned: string[] = [];
    for (const table of [...[1, 2, 3, 4].flatMap((size) => tables(size, 14)), ...structured]) {
      const keys = table.map((_, index) => `k${index}`);
      const shown = publish.counts(Object.fromEntries(table.map((n, index) => [keys[index]!, n])), keys);
      const [totalLow, totalHigh] = range(publish.count(table.reduce((sum, n) => sum + n, 0)));
      const ranges = keys.map((key) => range(shown[key]!));
      keys.forEach((key, index) => {
        if (shown[key] !== SUPPRESSED) return;
        const others = ranges.filter((_, other) => other !== index);
        const low = Math.max(0, totalLow - others.reduce((sum, [, high]) => sum + high, 0));
        const high = Math.min(4, totalHigh - others.reduce((sum, [lowest]) => sum + lowest, 0));
        if (high - low < 1) pinned.push(`${JSON.stringify(table)}: count ${index} is ${low}`);
      });
    }
    expect(pinned).toEqual([]);
  });

  it('gives a rate only from counts it shows, and a median or mean only over 5 values or more', () => {
    expect(publish.rate(30, 40)).toBe(0.75);
    expect(publish.rate(3, 40)).toBeNull();
    expect(publish.rate(14, 16)).toBe(0.5);
    expect([publish.shows(4), publish.shows(5)]).toEqual([false, true]);
  });

  it('leaves internal reports exact, listing what was counted', () => {
    const internal = disclosureFor('internal');
    expect([internal.count(3), internal.rate(2, 3), internal.rate(1, 0), internal.shows(1)]).toEqual([3, 0.6667, null, true]);
    expect(internal.counts({ oujda: 3 }, ['nador', 'oujda'])).toEqual({ oujda: 3 });
  });
});
