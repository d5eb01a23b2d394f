import { IdempotentConsumer, InMemoryProcessedEventIds } from './idempotent-consumer';

describe('IdempotentConsumer', () => {
  it('applies an event once, however often it is delivered', async () => {
    const consumer = new IdempotentConsumer(new InMemoryProcessedEventIds());
    let applied = 0;
    const apply = async () => void (applied += 1);

    const outcomes = [await consumer.handle('event-1', apply), await consumer.handle('event-1', apply), await consumer.handle('event-2', apply)];

    expect(outcomes).toEqual([true, false, true]);
    expect(applied).toBe(2);
  });

  it('does not remember an event whose effect failed, so the redelivery applies it', async () => {
    const consumer = new IdempotentConsumer(new InMemoryProcessedEventIds());
    let applied = 0;

    await expect(
      consumer.handle('event-1', async () => {
        throw new Error('store down');
      }),
    ).rejects.toThrow('store down');
    await consumer.handle('event-1', async () => void (applied += 1));

    expect(applied).toBe(1);
  });
});
