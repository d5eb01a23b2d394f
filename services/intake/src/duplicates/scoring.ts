import type { PossibleDuplicate } from '@oriental/intake-domain';

export type { PossibleDuplicate };

/** Past this many, a name is common rather than telling: an agent reads the strongest first. */
export const MAX_POSSIBLE_DUPLICATES = 20;

/**
 * One entry per other beneficiary, with the best score any of their matches earned (a same phone
 * and a same name count as the phone's 1.0), the person themselves left out; strongest first,
 * then by id so that the order never depends on the index's.
 */
export const rankPossibleDuplicates = (
  matches: readonly PossibleDuplicate[],
  self: string | undefined,
  limit: number = MAX_POSSIBLE_DUPLICATES,
): PossibleDuplicate[] => {
  const best = new Map<string, number>();
  for (const { beneficiaryId, score } of matches) {
    if (beneficiaryId === self) continue;
    best.set(beneficiaryId, Math.max(score, best.get(beneficiaryId) ?? 0));
  }
  return [...best]
    .map(([beneficiaryId, score]) => ({ beneficiaryId, score }))
    .sort((a, b) => b.score - a.score || (a.beneficiaryId < b.beneficiaryId ? -1 : a.beneficiaryId > b.beneficiaryId ? 1 : 0))
    .slice(0, limit);
};
