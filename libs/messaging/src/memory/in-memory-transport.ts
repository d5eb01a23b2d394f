import { BaseRpcContext, CustomStrategy, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { BusMessage } from '../event-bus.port';
import { MessagingAttributes } from '../message-headers';
import { BusBatchContext, parseMessageValue } from '../nest/event-handler';
import { processBatch } from '../nest/process-batch';
import { InMemoryBus } from './in-memory-bus';

type InMemoryContextArgs = [topic: string];

/** `@Ctx()` of the in-process transport: one lane per topic (the bus keeps each topic in order). */
export class InMemoryContext extends BaseRpcContext<InMemoryContextArgs> implements BusBatchContext {
  getTopic(): string {
    return this.args[0];
  }
  getLane(): string {
    return this.args[0];
  }
}

/** Lets a controller bind a handler to this transport only: `@EventPattern(topic, IN_MEMORY_TRANSPORT)`. */
export const IN_MEMORY_TRANSPORT = Symbol.for('@oriental/messaging:in-memory');

/**
 * A Nest transport that consumes from the `InMemoryBus` as one consumer group, so the same
 * `@EventPattern(topic)` controllers run in the embedded default and over Kafka. Like the Kafka
 * server, it hands `@Payload()` each published batch as `DeliveredMessage`s (values parsed), and
 * a failing handler is not acknowledged: the error propagates to `publish`, and the forwarder
 * retries. Each batch is handled inside one CONSUMER span (see `processBatch`).
 */
export class InMemoryTransport extends Server implements CustomTransportStrategy {
  override transportId = IN_MEMORY_TRANSPORT;
  private unsubscribes: (() => void)[] = [];

  constructor(
    private readonly bus: InMemoryBus,
    private readonly groupId: string,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      for (const [topic, handler] of this.messageHandlers) {
        if (!handler.isEventHandler) {
          this.logger.warn(`${topic}: request/reply (@MessagePattern) is not supported over the bus; use @EventPattern`);
          continue;
        }
        this.unsubscribes.push(this.bus.subscribe(topic, this.groupId, (messages) => this.consume(topic, handler, messages)));
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
  }

  /** This transport raises no events of its own. */
  on(): void {
    return undefined;
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private consume(topic: string, handler: MessageHandler, messages: readonly BusMessage[]): Promise<void> {
    const delivered = messages.map(({ key, headers, value }) => ({ key, headers, value: parseMessageValue(value) }));
    return processBatch(topic, handler, delivered, new InMemoryContext([topic]), {
      [MessagingAttributes.system]: this.bus.kind,
      [MessagingAttributes.destination]: topic,
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.consumerGroup]: this.groupId,
    });
  }
}

/** Options for `app.connectMicroservice(…)` / `NestFactory.createMicroservice(…)` in the embedded default. */
export const inMemoryMicroserviceOptions = (bus: InMemoryBus, groupId: string): CustomStrategy => ({
  strategy: new InMemoryTransport(bus, groupId),
});
