import { MessageHandler } from '@nestjs/microservices';
import { Attributes, Link, SpanKind, context, trace } from '@opentelemetry/api';
import { extractFromHeaders, recordError, tracer } from '@oriental/telemetry';
import { MessageHeaders, MessagingAttributes } from '../message-headers';
import { DeliveredMessage, invokeEventHandler } from './event-handler';

/**
 * Runs an `@EventPattern` handler on a batch inside one CONSUMER span `<topic> process`, as the
 * messaging conventions describe batch processing
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/#batching): the span
 * links every message's producer context, and continues the first message's trace, so a lone
 * message (the common case at low traffic) still shows as the child of the request that caused it.
 */
export const processBatch = (
  topic: string,
  handler: MessageHandler,
  messages: readonly DeliveredMessage[],
  handlerContext: unknown,
  attributes: Attributes,
): Promise<void> => {
  const parents = messages.map((message) => extractFromHeaders(message.headers));
  const links: Link[] = parents.flatMap((parent) => {
    const spanContext = trace.getSpanContext(parent);
    return spanContext ? [{ context: spanContext }] : [];
  });
  const span = tracer().startSpan(
    `${topic} process`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        ...attributes,
        [MessagingAttributes.batchMessageCount]: messages.length,
        ...(messages.length === 1 && messages[0]!.headers[MessageHeaders.eventId]
          ? { [MessagingAttributes.messageId]: messages[0]!.headers[MessageHeaders.eventId] }
          : {}),
      },
    },
    parents[0],
  );
  return context
    .with(trace.setSpan(parents[0] ?? context.active(), span), () => invokeEventHandler(topic, handler, messages, handlerContext))
    .catch((error: unknown) => {
      recordError(span, error);
      throw error;
    })
    .finally(() => span.end());
};
