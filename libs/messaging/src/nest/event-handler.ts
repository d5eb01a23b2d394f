import { BaseRpcContext, MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

/**
 * What every transport (in-process and Kafka) hands an `@EventPattern` handler: a batch of the
 * messages of one lane, in order, so that a consumer stores the effect of many messages in one
 * write and the transport acknowledges them at once (Kafka: one offset commit per batch).
 *
 * ```ts
 * @EventPattern(Topics.intake)
 * handle(@Payload() messages: DeliveredMessage[], @Ctx() ctx: BusBatchContext) { … }
 * ```
 *
 * A handler that rejects acknowledges none of the batch: it comes again (at-least-once), and
 * nothing after it is handled first.
 */
export interface DeliveredMessage {
  /** Partitioning key (the beneficiary id, or the stream when there is none). */
  key: string;
  /** Decoded headers: `event-id`, `event-type`, `schema-version`, `traceparent`, … */
  headers: Record<string, string>;
  /** The parsed JSON value (an `IntegrationEvent`), or the raw text when it is not JSON. */
  value: unknown;
}

export interface BusBatchContext {
  getTopic(): string;
  /**
   * The ordered sequence this batch belongs to (Kafka: topic and partition; in-process: the
   * topic). Messages of one lane arrive in publication order, each at most once per delivery:
   * a consumer may keep a checkpoint per lane.
   */
  getLane(): string;
  /**
   * Says a message can never be handled (it fails its contract): the transport sends it to the
   * dead-letter queue once the handler has stored the effect of the others, and acknowledges
   * it with them. Nothing is dead-lettered when the handler then fails: the batch comes again.
   */
  reject(message: DeliveredMessage, reason: string): void;
}

/** A message the handler rejected, and why. */
export interface Rejection {
  message: DeliveredMessage;
  reason: string;
}

/** `@Ctx()` on every transport: where the batch comes from, and what the handler rejected of it. */
export class BatchContext extends BaseRpcContext<[topic: string, lane: string, partition?: number]> implements BusBatchContext {
  readonly rejections: Rejection[] = [];

  getTopic(): string {
    return this.args[0];
  }
  getLane(): string {
    return this.args[1];
  }
  /** The Kafka partition; undefined in-process. */
  getPartition(): number | undefined {
    return this.args[2];
  }
  reject(message: DeliveredMessage, reason: string): void {
    this.rejections.push({ message, reason });
  }
}

/** Parses a message value; a value that is not JSON is handed over as text for the consumer to reject. */
export const parseMessageValue = (value: string | null | undefined): unknown => {
  if (value === null || value === undefined) return null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** An `@EventPattern` handler failed: the message is not acknowledged and will come again. */
export class EventHandlerFailed extends Error {
  constructor(
    readonly topic: string,
    /** What Nest's exception layer answered (by default `{ status: 'error', message }`). */
    readonly reason: unknown,
  ) {
    super(`event handler for ${topic} failed: ${reasonText(reason)}`);
    this.name = 'EventHandlerFailed';
  }
}

/**
 * Calls the handler Nest registered for an event pattern with a batch and settles when its work is done,
 * REJECTING when the controller threw.
 *
 * Why not `Server.handleEvent`: Nest 11 wraps controller methods in an exception layer that
 * turns a thrown error into an Observable that errors (after logging it). The base
 * `Server.handleEvent` connects that Observable to a Subject nobody listens to, so the error
 * vanishes and the message would be acknowledged as if handled. (`ServerKafka.handleEvent` does
 * await it, but we need the same behaviour on both transports, with a span around it.) Here a
 * returned Observable is awaited with `lastValueFrom`, which rejects with the error it carries.
 * Several `@EventPattern`s on one topic are chained by Nest into one handler that forkJoins them.
 */
export const invokeEventHandler = async (topic: string, handler: MessageHandler, payload: unknown, context: unknown): Promise<void> => {
  let result: unknown;
  try {
    result = await handler(payload, context);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  } catch (reason) {
    throw reason instanceof Error ? reason : new EventHandlerFailed(topic, reason);
  }
};

const reasonText = (reason: unknown): string => {
  if (reason && typeof reason === 'object' && 'message' in reason) return String((reason as { message: unknown }).message);
  return String(reason);
};
