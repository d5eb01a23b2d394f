import { CustomStrategy, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { EventStore } from '@oriental/event-store';
import { BusMessage } from '../event-bus.port';
import { DeadLetter, DeadLetterHeaders } from '../dead-letters/dead-letter';
import { deliverWithDeadLetters, Incoming } from '../dead-letters/deliver';
import { deadLetterId, deadLettersStream } from '../dead-letters/dead-letter-ids';
import { HeldItems } from '../dead-letters/held-items';
import { countDeadLetters } from '../dead-letters/metrics';
import { MessagingAttributes } from '../message-headers';
import { BatchContext, DeliveredMessage, parseMessageValue, Rejection } from '../nest/event-handler';
import { processBatch } from '../nest/process-batch';
import { InMemoryBus } from './in-memory-bus';

/** `@Ctx()` of the in-process transport: one lane per topic (the bus keeps each topic in order). */
export { BatchContext as InMemoryContext } from '../nest/event-handler';

/** Lets a controller bind a handler to this transport only: `@EventPattern(topic, IN_MEMORY_TRANSPORT)`. */
export const IN_MEMORY_TRANSPORT = Symbol.for('@oriental/messaging:in-memory');

export interface InMemoryTransportOptions {
  /** Where this group's dead letters are kept (stream `dead-letters-<group>`), so `npm run dlq` sees them. */
  deadLetters: EventStore;
  /** How often replays and discards asked for by `npm run dlq` are looked for (default 1 s). */
  pollIntervalMs?: number;
  /** Attempts of a failing batch before its messages are tried alone (default 3). */
  attempts?: number;
  retryDelayMs?: number;
  logger?: { error(message: string): void; warn(message: string): void };
}

/**
 * A Nest transport that consumes from the `InMemoryBus` as one consumer group, so the same
 * `@EventPattern(topic)` controllers run in the embedded default and over Kafka. Like the Kafka
 * server, it hands `@Payload()` each published batch as `DeliveredMessage`s (values parsed),
 * inside one CONSUMER span (see `processBatch`), and through `deliverWithDeadLetters`: a message
 * the handler rejects, or that keeps failing for a reason that is not transient, is kept in the
 * event store as a dead letter (`dead-letters-<group>`) and the topic goes on. A transient
 * failure is not acknowledged: it propagates to `publish`, and the forwarder retries.
 *
 * Replays asked for with `npm run dlq -- replay` (possibly from another process) are picked up
 * from that stream every second and handed to this group's handler again.
 */
export class InMemoryTransport extends Server implements CustomTransportStrategy {
  override transportId = IN_MEMORY_TRANSPORT;
  private unsubscribes: (() => void)[] = [];
  private readonly deadLetters: HeldItems<DeadLetter>;
  private pollTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly bus: InMemoryBus,
    private readonly groupId: string,
    private readonly options: InMemoryTransportOptions,
  ) {
    super();
    this.deadLetters = new HeldItems<DeadLetter>(options.deadLetters, deadLettersStream(groupId), `system:${groupId}-consumer`);
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      for (const [topic, handler] of this.messageHandlers) {
        if (!handler.isEventHandler) {
          this.logger.warn(`${topic}: request/reply (@MessagePattern) is not supported over the bus; use @EventPattern`);
          continue;
        }
        this.unsubscribes.push(this.bus.subscribe(topic, this.groupId, (messages) => this.consume(topic, handler, messages.map(incoming))));
      }
      if (this.unsubscribes.length > 0) this.schedulePoll();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    await this.polling;
  }

  /** This transport raises no events of its own. */
  on(): void {
    return undefined;
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private consume(topic: string, handler: MessageHandler, messages: readonly Incoming[]): Promise<void> {
    return deliverWithDeadLetters({
      topic,
      group: this.groupId,
      lane: topic,
      incoming: messages,
      attempts: this.options.attempts,
      retryDelayMs: this.options.retryDelayMs,
      run: (batch, lane) => this.run(topic, handler, batch, lane),
      deadLetter: (letters) => this.writeDeadLetters(letters),
      acknowledge: async () => undefined,
    });
  }

  private async run(topic: string, handler: MessageHandler, messages: readonly DeliveredMessage[], lane: string): Promise<Rejection[]> {
    const context = new BatchContext([topic, lane]);
    await processBatch(topic, handler, messages, context, {
      [MessagingAttributes.system]: this.bus.kind,
      [MessagingAttributes.destination]: topic,
      [MessagingAttributes.operationName]: 'process',
      [MessagingAttributes.operationType]: 'process',
      [MessagingAttributes.consumerGroup]: this.groupId,
    });
    return context.rejections;
  }

  private async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await this.deadLetters.hold(letters.map((letter) => ({ id: deadLetterId(letter), item: letter, reason: letter.reason })));
    countDeadLetters(letters);
    for (const letter of letters) this.options.logger?.error(`dead letter on ${letter.topic} for ${this.groupId}: ${letter.reason}`);
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      this.polling = this.actOnRequests()
        .catch((error: unknown) => this.options.logger?.warn(`dead letters of ${this.groupId}: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.polling = undefined;
          if (this.unsubscribes.length > 0) this.schedulePoll();
        });
    }, this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
  }

  /** Replays (to this group only) and discards what an operator asked for. */
  private async actOnRequests(): Promise<void> {
    for (const held of await this.deadLetters.requests()) {
      if (held.state === 'discard-requested') {
        await this.deadLetters.settle(held.id, 'discarded');
        continue;
      }
      const handler = this.messageHandlers.get(held.item.topic);
      if (!handler?.isEventHandler) {
        await this.deadLetters.settle(held.id, { failed: `no handler of ${this.groupId} consumes ${held.item.topic}` });
        continue;
      }
      // A replay that fails again is dead-lettered anew (under its own id), with the new reason.
      const replay: Incoming = {
        delivered: { key: held.item.key, headers: { ...held.item.headers, [DeadLetterHeaders.replayOf]: `${this.deadLetters.stream}/${held.id}` }, value: parseMessageValue(held.item.value) },
        raw: held.item.value,
      };
      await this.consume(held.item.topic, handler, [replay]);
      await this.deadLetters.settle(held.id, 'replayed');
    }
  }
}

const incoming = ({ key, headers, value }: BusMessage): Incoming => ({ delivered: { key, headers, value: parseMessageValue(value) }, raw: value });

/** Options for `app.connectMicroservice(…)` / `NestFactory.createMicroservice(…)` in the embedded default. */
export const inMemoryMicroserviceOptions = (bus: InMemoryBus, groupId: string, options: InMemoryTransportOptions): CustomStrategy => ({
  strategy: new InMemoryTransport(bus, groupId, options),
});
