import { BaseRpcContext, CustomStrategy, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { SpanKind, extractFromHeaders, withSpan } from '@oriental/telemetry';
import { BusMessage } from '../event-bus.port';
import { MessageHeaders, MessagingAttributes } from '../message-headers';
import { BusMessageContext, invokeEventHandler } from '../nest/event-handler';
import { InMemoryBus } from './in-memory-bus';

type InMemoryContextArgs = [topic: string, key: string, headers: Record<string, string>];

/** `@Ctx()` of the in-process transport. */
export class InMemoryContext extends BaseRpcContext<InMemoryContextArgs> implements BusMessageContext {
  getTopic(): string {
    return this.args[0];
  }
  getKey(): string {
    return this.args[1];
  }
  getHeaders(): Record<string, string> {
    return this.args[2];
  }
}

/** Lets a controller bind a handler to this transport only: `@EventPattern(topic, IN_MEMORY_TRANSPORT)`. */
export const IN_MEMORY_TRANSPORT = Symbol.for('@oriental/messaging:in-memory');

/**
 * A Nest transport that consumes from the `InMemoryBus` as one consumer group, so the same
 * `@EventPattern(topic)` controllers run in the embedded default and over Kafka. Like the Kafka
 * server, it hands `@Payload()` the parsed JSON value (the `IntegrationEvent`), and a failing
 * handler is not acknowledged: the error propagates to `publish`, and the forwarder retries.
 *
 * Each message is handled inside a CONSUMER span `<topic> process`, child of the producer span
 * whose context travels in the headers.
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
        this.unsubscribes.push(this.bus.subscribe(topic, this.groupId, (message) => this.consume(handler, message)));
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

  private consume(handler: MessageHandler, message: BusMessage): Promise<void> {
    const context = new InMemoryContext([message.topic, message.key, message.headers]);
    const attributes = {
      [MessagingAttributes.system]: this.bus.kind,
      [MessagingAttributes.destination]: message.topic,
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.consumerGroup]: this.groupId,
      ...(message.headers[MessageHeaders.eventId] ? { [MessagingAttributes.messageId]: message.headers[MessageHeaders.eventId] } : {}),
    };
    return withSpan(`${message.topic} process`, SpanKind.CONSUMER, extractFromHeaders(message.headers), attributes, () =>
      invokeEventHandler(message.topic, handler, JSON.parse(message.value), context),
    );
  }
}

/** Options for `app.connectMicroservice(…)` / `NestFactory.createMicroservice(…)` in the embedded default. */
export const inMemoryMicroserviceOptions = (bus: InMemoryBus, groupId: string): CustomStrategy => ({
  strategy: new InMemoryTransport(bus, groupId),
});
