import { DeadLetter } from './dead-letter';
import { deliverWithDeadLetters, DeliveryOptions, Incoming } from './deliver';
import { TransientError } from './transient';

const incoming = (n: number): Incoming => ({ delivered: { key: 'k', headers: { 'event-id': `e${n}` }, value: { n } }, raw: JSON.stringify({ n }), offset: String(n) });

/** A lane of `count` messages, a handler, and what the delivery did with them. */
const deliver = (count: number, run: DeliveryOptions['run'], overrides: Partial<DeliveryOptions> = {}) => {
  const seen = { letters: [] as DeadLetter[], acknowledged: [] as string[], alive: 0 };
  const done = deliverWithDeadLetters({
    topic: 't',
    group: 'g',
    lane: 't#0',
    incoming: Array.from({ length: count }, (_, n) => incoming(n)),
    retryDelayMs: 1,
    run,
    deadLetter: async (letters) => void seen.letters.push(...letters),
    acknowledge: async (last) => void seen.acknowledged.push(last.offset!),
    alive: async () => void seen.alive++,
    ...overrides,
  });
  return { done, seen };
};

describe('delivering a lane with dead letters', () => {
  it('given a handler that fails one message for good, when delivered, then only that message is a dead letter and every message is acknowledged', async () => {
    const { done, seen } = deliver(3, async (messages) => {
      if (messages.some(({ value }) => (value as { n: number }).n === 1)) throw new TypeError('bug on 1');
      return [];
    });
    await done;
    expect(seen.letters.map(({ offset, reason }) => [offset, reason])).toEqual([['1', 'handler failed 3 times: TypeError: bug on 1']]);
    expect(seen.acknowledged).toEqual(['0', '1', '2']);
    // One heartbeat before each attempt: 3 of the batch, then 1, 3 and 1 of the messages alone.
    expect(seen.alive).toBe(8);
  });

  it('given a transient failure, when delivered, then it goes back to the transport at once and nothing is dead-lettered or acknowledged', async () => {
    const { done, seen } = deliver(2, async () => {
      throw new TransientError('read store away');
    });
    await expect(done).rejects.toThrow('read store away');
    expect(seen).toEqual({ letters: [], acknowledged: [], alive: 1 });
  });

  it('given an acknowledgement the broker refuses (a rebalance), when delivered, then the failure propagates and the handled message is not dead-lettered', async () => {
    const { done, seen } = deliver(1, async () => [], {
      acknowledge: async () => {
        throw new Error('The coordinator is not aware of this member');
      },
    });
    await expect(done).rejects.toThrow('not aware of this member');
    expect(seen.letters).toEqual([]);
  });

  it('given a dead letter that cannot be written, when delivered, then nothing is acknowledged', async () => {
    const acknowledged: string[] = [];
    const { done } = deliver(1, async (messages) => [{ message: messages[0]!, reason: 'invalid message: no' }], {
      deadLetter: async () => {
        throw new Error('broker away');
      },
      acknowledge: async (last) => void acknowledged.push(last.offset!),
    });
    await expect(done).rejects.toThrow('broker away');
    expect(acknowledged).toEqual([]);
  });
});
