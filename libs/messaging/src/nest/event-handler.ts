import { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

/**
 * What an `@EventPattern` handler can ask of `@Ctx()` on every transport (in-process and Kafka),
 * so one controller serves both:
 *
 * ```ts
 * @EventPattern(Topics.intake)
 * handle(@Payload() event: IntegrationEvent, @Ctx() ctx: BusMessageContext) { … }
 * ```
 */
export interface BusMessageContext {
  getTopic(): string;
  /** Partitioning key (the beneficiary id, or the stream when there is none). */
  getKey(): string;
  /** Decoded headers: `event-id`, `event-type`, `schema-version`, `traceparent`, … */
  getHeaders(): Record<string, string>;
}

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
 * Calls the handler Nest registered for an event pattern and settles when its work is done,
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
