import { BusMessage } from '../event-bus.port';
import { aMessage, eventBusContract, startConsumer } from '../testing/messaging.contract';
import { InMemoryBus } from './in-memory-bus';
import { InMemoryContext, InMemoryTransport, inMemoryMicroserviceOptions } from './in-memory-transport';
import { InMemoryEventLog } from '../testing/in-memory-event-log';
import { DeadLetter } from '../dead-letters/dead-letter';
import { deadLettersStream } from '../dead-letters/dead-letter-ids';
import { HeldItems } from '../dead-letters/held-items';
import { TransientError } from '../dead-letters/transient';

const fastRetries = { attempts: 3, retryDelayMs: 5, pollIntervalMs: 20 };

eventBusContract('in-memory', async () => {
  const bus = new InMemoryBus();
  const log = new InMemoryEventLog();
  return {
    bus,
    consumer: (groupId) => inMemoryMicroserviceOptions(bus, groupId, { deadLetters: log, ...fastRetries }),
    deliveryTimeoutMs: 2_000,
    deadLetters: async (topic, groupId) =>
      (await new HeldItems<DeadLetter>(log, deadLettersStream(groupId), 'test').poll()).map(({ item }) => item).filter((letter) => letter.topic === topic),
    close: () => bus.close(),
  };
});

describe('InMemoryBus', () => {
  const values = (messages: BusMessage[]) => messages.map((message) => JSON.parse(message.value).n);

  describe('acknowledgement', () => {
    it('resolves publish only once every group has handled the messages', async () => {
      const bus = new InMemoryBus();
      const handled: string[] = [];
      bus.subscribe('t', 'fast', async () => void handled.push('fast'));
      bus.subscribe('t', 'slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.push('slow');
      });

      await bus.publish([aMessage('t', 'k', 0)]);

      expect(handled.sort()).toEqual(['fast', 'slow']);
    });

    it('rejects publish when a handler rejects, after the other groups have finished', async () => {
      const bus = new InMemoryBus();
      const healthy: BusMessage[] = [];
      bus.subscribe('t', 'healthy', async (messages) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        healthy.push(...messages);
      });
      bus.subscribe('t', 'broken', async () => {
        throw new Error('read store down');
      });

      await expect(bus.publish([aMessage('t', 'k', 0), aMessage('t', 'k', 1)])).rejects.toThrow('read store down');
      expect(values(healthy)).toEqual([0, 1]);
    });

    it('hands a group each published batch in one call, so a failure acknowledges none of it', async () => {
      const bus = new InMemoryBus();
      const batches: number[][] = [];
      bus.subscribe('t', 'g', async (messages) => {
        batches.push(values([...messages]));
        throw new Error('read store down');
      });

      await expect(bus.publish([0, 1, 2].map((n) => aMessage('t', 'k', n)))).rejects.toThrow();
      expect(batches).toEqual([[0, 1, 2]]);
    });
  });

  it('keeps each group in order across concurrent publishes', async () => {
    const bus = new InMemoryBus();
    const seen: BusMessage[] = [];
    bus.subscribe('t', 'g', async (messages) => {
      await new Promise((resolve) => setTimeout(resolve, JSON.parse(messages[0]!.value).n === 0 ? 20 : 0));
      seen.push(...messages);
    });

    await Promise.all([bus.publish([aMessage('t', 'k', 0)]), bus.publish([aMessage('t', 'k', 1)])]);

    expect(values(seen)).toEqual([0, 1]);
  });

  it('does not buffer: a message published before a group subscribed never reaches it', async () => {
    const bus = new InMemoryBus();
    await bus.publish([aMessage('t', 'k', 0)]);
    const seen: BusMessage[] = [];
    bus.subscribe('t', 'late', async (messages) => void seen.push(...messages));

    await bus.publish([aMessage('t', 'k', 1)]);

    expect(values(seen)).toEqual([1]);
  });

  it('refuses a second handler for the same topic and group, and stops delivering after unsubscribe', async () => {
    const bus = new InMemoryBus();
    const seen: BusMessage[] = [];
    const unsubscribe = bus.subscribe('t', 'g', async (messages) => void seen.push(...messages));
    expect(() => bus.subscribe('t', 'g', async () => undefined)).toThrow(/already subscribes/);

    unsubscribe();
    await bus.publish([aMessage('t', 'k', 0)]);

    expect(seen).toEqual([]);
  });

  it('rejects publishing once closed', async () => {
    const bus = new InMemoryBus();
    await bus.close();
    await expect(bus.publish([aMessage('t', 'k', 0)])).rejects.toThrow(/closed/);
    await expect(bus.health()).resolves.toMatchObject({ status: 'down' });
  });
});

describe('InMemoryTransport', () => {
  it('unsubscribes its group when the microservice closes', async () => {
    const bus = new InMemoryBus();
    const app = await startConsumer(inMemoryMicroserviceOptions(bus, 'g', { deadLetters: new InMemoryEventLog() }), ['t'], () => undefined);
    await expect(bus.health()).resolves.toMatchObject({ details: { subscriptions: { t: ['g'] } } });

    await app.close();

    await expect(bus.health()).resolves.toMatchObject({ details: { subscriptions: { t: [] } } });
  });

  it('propagates a transient handler error to publish, where Nest 11 alone would have swallowed it', async () => {
    const bus = new InMemoryBus();
    const options = inMemoryMicroserviceOptions(bus, 'g', { deadLetters: new InMemoryEventLog(), ...fastRetries });
    const app = await startConsumer(options, ['t'], () => {
      throw new TransientError('handler failed');
    });
    const message = aMessage('t', 'k', 0);

    await expect(bus.publish([message])).rejects.toThrow(TransientError);
    // Why the transport calls the handler itself: the base Server.handleEvent resolves anyway.
    const transport = options.strategy as InMemoryTransport;
    const context = new InMemoryContext([message.topic, message.topic]);
    await expect(transport.handleEvent('t', { pattern: 't', data: [JSON.parse(message.value)] }, context)).resolves.toBeUndefined();
    await app.close();
  });
});
