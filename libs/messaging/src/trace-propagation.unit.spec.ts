import { randomUUID } from 'node:crypto';
import { INestMicroservice } from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { InMemoryTracing, currentTraceContext, currentTraceId, startInMemoryTracing, tracer } from '@oriental/telemetry';
import { eventually } from '@oriental/testing';
import { TransientError } from './dead-letters/transient';
import { Forwarder } from './forwarder/forwarder';
import { InMemoryBus } from './memory/in-memory-bus';
import { inMemoryMicroserviceOptions } from './memory/in-memory-transport';
import { anEvent, publishAllTo } from './testing/builders';
import { InMemoryEventLog } from './testing/in-memory-event-log';
import { startConsumer } from './testing/messaging.contract';

/**
 * One trace from the HTTP request that appended an event to the consumer that handled it:
 * request span → (traceparent in event metadata) → `<topic> publish` PRODUCER span in the
 * forwarder → (traceparent header) → `<topic> process` CONSUMER span around the handler.
 */
describe('trace propagation through the store and the bus', () => {
  const topic = 'test.traced.v1';
  let tracing: InMemoryTracing;
  let log: InMemoryEventLog;
  let bus: InMemoryBus;
  let consumer: INestMicroservice;
  let forwarder: Forwarder;
  const seenByHandler: (string | undefined)[] = [];

  beforeAll(async () => {
    tracing = startInMemoryTracing();
    log = new InMemoryEventLog();
    bus = new InMemoryBus();
    consumer = await startConsumer(inMemoryMicroserviceOptions(bus, 'reporting', { deadLetters: new InMemoryEventLog() }), [topic], () => void seenByHandler.push(currentTraceId()));
    forwarder = new Forwarder({
      name: 'traced-forwarder',
      store: log,
      checkpoints: log,
      bus,
      streamPrefixes: ['beneficiary-'],
      toMessage: publishAllTo(topic),
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await forwarder.start();
  });

  afterAll(async () => {
    await forwarder.stop();
    await consumer.close();
    await tracing.stop();
  });

  it('continues the request trace in the producer span, the message headers and the consumer span', async () => {
    // The "HTTP request": the command handler appends with the active trace context in metadata.
    const request = tracer().startSpan('POST /beneficiaries', { kind: SpanKind.SERVER });
    await context.with(trace.setSpan(context.active(), request), () =>
      log.appendToStream(`beneficiary-${randomUUID()}`, [anEvent({ metadata: { ...currentTraceContext() } as never })], {
        expectedRevision: 'no_stream',
      }),
    );
    request.end();
    const { traceId, spanId: requestSpanId } = request.spanContext();

    await eventually(() => expect(seenByHandler).toHaveLength(1));

    const producer = tracing.span(`${topic} publish`);
    const consumerSpan = tracing.span(`${topic} process`);
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.spanContext().traceId).toBe(traceId);
    expect(producer.parentSpanContext?.spanId).toBe(requestSpanId);
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'in-memory',
      'messaging.destination.name': topic,
      'messaging.message.id': log.events[0].id,
    });
    expect(consumerSpan.kind).toBe(SpanKind.CONSUMER);
    expect(consumerSpan.spanContext().traceId).toBe(traceId);
    expect(consumerSpan.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumerSpan.attributes).toMatchObject({ 'messaging.consumer.group.name': 'reporting', 'messaging.message.id': log.events[0].id });
    // …and the handler's own work (database calls, logs) runs inside that trace.
    expect(seenByHandler).toEqual([traceId]);
  });

  it('marks the consumer span as failed when the handler throws', async () => {
    const failingTopic = 'test.traced-failure.v1';
    const failing = await startConsumer(inMemoryMicroserviceOptions(bus, 'failing', { deadLetters: new InMemoryEventLog() }), [failingTopic], () => {
      throw new TransientError('projection failed');
    });
    const message = publishAllTo(failingTopic)({ ...anEvent(), stream: 'beneficiary-x', revision: 0, position: '1' });

    await expect(bus.publish([message])).rejects.toThrow();
    await failing.close();

    expect(tracing.span(`${failingTopic} process`).status.code).toBe(SpanStatusCode.ERROR);
  });
});
