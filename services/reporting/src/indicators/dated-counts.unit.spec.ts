import { bucketRanges, dayOf, overduePeriod } from './dated-counts';

describe('dated counts', () => {
  describe('the buckets a period reads', () => {
    it('reads whole months as months, and the days of ragged ends', () => {
      expect(bucketRanges('2026-01-01', '2026-12-31')).toEqual([{ first: 'm:2026-01', last: 'm:2026-12' }]);
      expect(bucketRanges('2026-01-15', '2026-03-10')).toEqual([
        { first: 'd:2026-01-15', last: 'd:2026-01-31' },
        { first: 'm:2026-02', last: 'm:2026-02' },
        { first: 'd:2026-03-01', last: 'd:2026-03-10' },
      ]);
      expect(bucketRanges('2026-02-01', '2026-02-28')).toEqual([{ first: 'm:2026-02', last: 'm:2026-02' }]);
      expect(bucketRanges('2024-02-01', '2024-02-28')).toEqual([{ first: 'd:2024-02-01', last: 'd:2024-02-28' }]);
      expect(bucketRanges('2026-03-05', '2026-03-05')).toEqual([{ first: 'd:2026-03-05', last: 'd:2026-03-05' }]);
      expect(bucketRanges('2025-12-31', '2026-01-01')).toEqual([
        { first: 'd:2025-12-31', last: 'd:2025-12-31' },
        { first: 'd:2026-01-01', last: 'd:2026-01-01' },
      ]);
      expect(bucketRanges('2026-03-06', '2026-03-05')).toEqual([]);
    });

    it('reads a period open at its end up to the last month that can hold anything', () => {
      expect(bucketRanges('2026-04-10', '9999-12-31')).toEqual([
        { first: 'd:2026-04-10', last: 'd:2026-04-30' },
        { first: 'm:2026-05', last: 'm:9999-12' },
      ]);
    });

    it('reads at most 60 day buckets for a year, whatever the history', () => {
      const days = bucketRanges('2025-06-30', '2026-07-02').filter(({ first }) => first.startsWith('d:'));
      expect(days.map(({ first, last }) => [first, last])).toEqual([
        ['d:2025-06-30', 'd:2025-06-30'],
        ['d:2026-07-01', 'd:2026-07-02'],
      ]);
    });
  });

  it('counts on the UTC day of an instant', () => {
    expect(dayOf('2026-07-15T23:30:00-02:00')).toBe('2026-07-16');
    expect(dayOf('2026-07-16T00:30:00+01:00')).toBe('2026-07-15');
  });

  it('finds the part of a period that is overdue: before today (UTC)', () => {
    const now = new Date('2026-05-01T00:10:00.000Z');
    expect(overduePeriod({}, now)).toEqual({ to: '2026-04-30' });
    expect(overduePeriod({ from: '2026-04-01', to: '2026-06-30' }, now)).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    expect(overduePeriod({ to: '2026-03-31' }, now)).toEqual({ to: '2026-03-31' });
    expect(overduePeriod({ from: '2026-05-01' }, now)).toBeUndefined();
  });
});
