import { DocumentCollection, DocumentProjection, ReadStore, SourcedEvent } from '@oriental/read-store';
import { DuplicateKeys, IndexedHashes, PersonToMatch, SCORES } from './duplicate-keys';
import { MAX_POSSIBLE_DUPLICATES, PossibleDuplicate, rankPossibleDuplicates } from './scoring';

/**
 * The duplicate index: one document per beneficiary (its id), holding the keyed hashes they are
 * found under, in intake's read store beside the personal-data keys. Derived from the
 * `beneficiary-` streams by `DuplicateIndexFollower`, so it can be rebuilt from the log (and the
 * vault) at any time; a lookup is an equality query on an indexed field, never a scan.
 */
export const DUPLICATE_INDEX = 'intake_duplicate_index';

export const duplicateIndexCollection = (readStore: ReadStore): DocumentCollection<IndexedHashes> =>
  readStore.collection<IndexedHashes>(DUPLICATE_INDEX, { indexes: ['nameHash', 'phoneHash'] });

/** What one event of a beneficiary's stream makes of their entry: the hashes of the person as of that event. */
export interface IndexChange extends SourcedEvent {
  beneficiaryId: string;
  hashes: IndexedHashes;
}

/**
 * Each entry is replaced by the hashes of its latest event; `applyBatch` stores the stream
 * revision with it, so a redelivered or older event is not applied again.
 */
export const duplicateIndexProjection = (documents: DocumentCollection<IndexedHashes>): DocumentProjection<IndexChange, IndexedHashes> => ({
  documents,
  documentId: (change) => change.beneficiaryId,
  evolve: (_current, change) => change.hashes,
});

/** Looks people up in the index. */
export class DuplicateIndex {
  private readonly documents: DocumentCollection<IndexedHashes>;

  constructor(
    readStore: ReadStore,
    private readonly keys: DuplicateKeys,
  ) {
    this.documents = duplicateIndexCollection(readStore);
  }

  /** Beneficiaries indexed under one of the person's buckets, `self` left out, strongest first. */
  async find(person: PersonToMatch, self?: string): Promise<PossibleDuplicate[]> {
    const lookups = this.keys.lookupsFor(person);
    // One more than the answer holds, in case `self` is among them.
    const found = await Promise.all(lookups.map(({ field, hash }) => this.documents.findIds({ [field]: hash }, { limit: MAX_POSSIBLE_DUPLICATES + 1 })));
    const matches = found.flatMap((ids, index) => ids.map((beneficiaryId) => ({ beneficiaryId, score: SCORES[lookups[index]!.match] })));
    return rankPossibleDuplicates(matches, self);
  }
}
