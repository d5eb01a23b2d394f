import { SCORES } from './duplicate-keys';
import { rankPossibleDuplicates } from './scoring';

const [self, a, b, c] = ['self', 'aaaa', 'bbbb', 'cccc'];

describe('rankPossibleDuplicates', () => {
  it('scores a same phone over a same name and year, over a same name a year off', () => {
    expect(SCORES.samePhone).toBeGreaterThan(SCORES.sameNameSameYear);
    expect(SCORES.sameNameSameYear).toBeGreaterThan(SCORES.sameNameAdjacentYear);
  });

  it('answers each other beneficiary once, with their best score, strongest first', () => {
    const ranked = rankPossibleDuplicates(
      [
        { beneficiaryId: c, score: SCORES.sameNameAdjacentYear },
        { beneficiaryId: b, score: SCORES.sameNameSameYear },
        { beneficiaryId: c, score: SCORES.samePhone },
        { beneficiaryId: a, score: SCORES.sameNameAdjacentYear },
      ],
      self,
    );
    expect(ranked).toEqual([
      { beneficiaryId: c, score: 1 },
      { beneficiaryId: b, score: 0.9 },
      { beneficiaryId: a, score: 0.8 },
    ]);
  });

  it('leaves the person themselves out', () => {
    expect(rankPossibleDuplicates([{ beneficiaryId: self, score: 1 }, { beneficiaryId: a, score: 0.8 }], self)).toEqual([{ beneficiaryId: a, score: 0.8 }]);
  });

  it('orders equal scores by id, and keeps the strongest when there are too many', () => {
    const matches = ['d', 'b', 'e', 'a', 'c'].map((beneficiaryId) => ({ beneficiaryId, score: 0.9 }));
    expect(rankPossibleDuplicates([...matches, { beneficiaryId: 'z', score: 1 }], undefined, 3).map((m) => m.beneficiaryId)).toEqual(['z', 'a', 'b']);
  });

  it('answers nothing when nothing matched', () => expect(rankPossibleDuplicates([], self)).toEqual([]));
});
