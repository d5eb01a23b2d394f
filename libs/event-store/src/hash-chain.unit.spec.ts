import { randomUUID } from 'node:crypto';
import { ChainedRecord } from './event-store.port';
import { eventHash, formatAnchor, GENESIS_HASH, parseAnchor, verifyStream } from './hash-chain';

const STREAM = 'beneficiary-7f1c2b9e-3d4a-4e5f-8a6b-9c0d1e2f3a4b';

/** A stream of `length` events chained as an adapter chains them at append. */
const aChain = (length: number): ChainedRecord[] => {
  const records: ChainedRecord[] = [];
  let previousHash = GENESIS_HASH;
  for (let revision = 0; revision < length; revision++) {
    const fields = {
      stream: STREAM,
      revision,
      id: randomUUID(),
      type: 'SomethingHappened',
      schemaVersion: 1,
      data: JSON.stringify({ sealed: { alg: 'A256GCM', ciphertext: `c${revision}` } }),
      metadata: JSON.stringify({ actor: 'agent:oujda-1' }),
    };
    const hash = eventHash(fields, previousHash);
    records.push({ ...fields, position: String(revision + 1), previousHash, hash });
    previousHash = hash;
  }
  return records;
};

/** One character of the text replaced, as a raw edit of the file would. */
const changedByte = (text: string): string => text.replace('c', 'd');

describe('verifyStream', () => {
  it('given a chain as appended, then it is intact', () => {
    expect(verifyStream(STREAM, aChain(4))).toStrictEqual({ stream: STREAM, events: 4, intact: true });
  });

  it('given an empty stream, then it is intact with no events', () => {
    expect(verifyStream(STREAM, [])).toStrictEqual({ stream: STREAM, events: 0, intact: true });
  });

  describe('names the first broken link', () => {
    it('given one byte of an event changed, then a hash mismatch at that revision', () => {
      const chain = aChain(4);
      chain[1] = { ...chain[1]!, data: changedByte(chain[1]!.data) };

      expect(verifyStream(STREAM, chain).firstBrokenLink).toStrictEqual({ stream: STREAM, revision: 1, reason: 'hash-mismatch' });
    });

    it('given the last event changed, then its own stored hash gives it away', () => {
      const chain = aChain(3);
      chain[2] = { ...chain[2]!, metadata: chain[2]!.metadata.replace('oujda', 'nador') };

      expect(verifyStream(STREAM, chain).firstBrokenLink).toStrictEqual({ stream: STREAM, revision: 2, reason: 'hash-mismatch' });
    });

    it('given an event rewritten with a hash of its own, then the next event no longer links to it', () => {
      const chain = aChain(4);
      const data = changedByte(chain[1]!.data);
      chain[1] = { ...chain[1]!, data, hash: eventHash({ ...chain[1]!, data }, chain[1]!.previousHash!) };

      expect(verifyStream(STREAM, chain).firstBrokenLink).toStrictEqual({ stream: STREAM, revision: 2, reason: 'previous-hash-mismatch' });
    });

    it.each([
      ['the first', 0, 1],
      ['a middle', 2, 3],
    ])('given %s event removed, then a previous-hash mismatch at the one after', (_which, removed, named) => {
      const chain = aChain(4).filter((record) => record.revision !== removed);

      expect(verifyStream(STREAM, chain).firstBrokenLink).toStrictEqual({ stream: STREAM, revision: named, reason: 'previous-hash-mismatch' });
    });

    it('given an event stored without a chain, then a missing hash', () => {
      const chain = aChain(3);
      chain[1] = { ...chain[1]!, hash: null };

      expect(verifyStream(STREAM, chain)).toStrictEqual({
        stream: STREAM,
        events: 3,
        intact: false,
        firstBrokenLink: { stream: STREAM, revision: 1, reason: 'missing-hash' },
      });
    });
  });
});

describe('log anchors', () => {
  it('print as <events>:<digest> and read back; anything else is refused', () => {
    const anchor = { events: 1234, digest: 'ab'.repeat(32) };

    expect(parseAnchor(formatAnchor(anchor))).toStrictEqual(anchor);
    expect(parseAnchor('1234')).toBeUndefined();
    expect(parseAnchor(`x:${'ab'.repeat(32)}`)).toBeUndefined();
    expect(parseAnchor(`12:${'AB'.repeat(32)}`)).toBeUndefined();
  });
});
