import { DocumentCollection, ReadStore } from '@oriental/read-store';
import { DuplicateIndex } from './duplicate-index';
import { PersonToMatch } from './duplicate-keys';
import { PossibleDuplicate } from './scoring';

/**
 * What a registration answered about possible duplicates, by beneficiary id: the first answer
 * is kept so that a retry of the registration (same Idempotency-Key) answers the same list,
 * whoever was indexed in between. Holds ids and scores only.
 */
export const DUPLICATE_SCREENINGS = 'intake_duplicate_screenings';

interface Screening {
  possibleDuplicates: PossibleDuplicate[];
}

/**
 * Finds the beneficiaries a person may already be. It never blocks a registration: it runs after
 * the append, and its answer only informs the agent, who links or dismisses a candidate later
 * (`DuplicateLinked` / `DuplicateDismissed`).
 */
export class DuplicateFinder {
  private readonly screenings: DocumentCollection<Screening>;

  constructor(
    readStore: ReadStore,
    private readonly index: DuplicateIndex,
  ) {
    this.screenings = readStore.collection<Screening>(DUPLICATE_SCREENINGS);
  }

  /**
   * The possible duplicates a registration answers, the same on every retry: looked up the first
   * time and kept (the first stored answer wins a race between retries). `replayed`: the
   * registration was applied before, so its answer is most likely kept; it is looked up anew only
   * when the process died between the append and keeping it.
   */
  async screenRegistration(beneficiaryId: string, person: PersonToMatch, replayed: boolean): Promise<PossibleDuplicate[]> {
    if (replayed) {
      const kept = await this.screenings.get(beneficiaryId);
      if (kept) return kept.data.possibleDuplicates;
    }
    const possibleDuplicates = await this.index.find(person, beneficiaryId);
    if (await this.screenings.write(beneficiaryId, { possibleDuplicates }, { expectedVersion: 0 })) return possibleDuplicates;
    return (await this.screenings.get(beneficiaryId))?.data.possibleDuplicates ?? possibleDuplicates;
  }
}
