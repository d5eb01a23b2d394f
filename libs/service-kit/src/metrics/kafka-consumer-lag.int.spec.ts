import { randomUUID } from 'node:crypto';
import { KafkaEventBus } from '@oriental/messaging';
import { describeWithInfra } from '@oriental/testing';
import { Admin, Kafka } from 'kafkajs';
import { KafkaConsumerLag } from './kafka-consumer-lag';

jest.setTimeout(60_000);

describeWithInfra('kafka', 'KafkaConsumerLag', (url) => {
  const brokers = url.split(',').map((broker) => broker.trim());
  const prefix = `metrics${randomUUID().slice(0, 8)}.`;
  const topic = 'lag.v1';
  const groupId = `metrics-lag-${randomUUID()}`;
  let bus: KafkaEventBus;
  let admin: Admin;
  let lag: KafkaConsumerLag;

  /** Commits the group's offsets on every partition: at the start, or at the end of each. */
  const commit = async (where: 'start' | 'end') => {
    const ends = await admin.fetchTopicOffsets(prefix + topic);
    await admin.setOffsets({ groupId, topic: prefix + topic, partitions: ends.map(({ partition, low, high }) => ({ partition, offset: where === 'start' ? low : high })) });
  };

  beforeAll(async () => {
    bus = new KafkaEventBus({ brokers, clientId: 'metrics-lag-producer', topicPrefix: prefix, writeLog: () => undefined });
    await bus.connect();
    admin = new Kafka({ brokers, clientId: 'metrics-lag-admin', logLevel: 0 }).admin();
    await admin.connect();
    lag = new KafkaConsumerLag({ brokers, groupId, topicPrefix: prefix, clientId: 'metrics-lag', refreshMs: 0, timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await lag?.close();
    await admin?.deleteTopics({ topics: [prefix + topic] }).catch(() => undefined);
    await admin?.disconnect();
    await bus?.close();
  });

  it('counts the messages past the group’s committed offsets, per logical topic, and 0 once it committed the end', async () => {
    await bus.publish(Array.from({ length: 7 }, (_, index) => ({ topic, key: `key-${index}`, value: JSON.stringify({ index }), headers: {} })));
    await commit('start');
    expect(await lag.read()).toEqual([{ topic, messages: 7, seconds: 0 }]);

    await commit('end');
    expect(await lag.read()).toEqual([{ topic, messages: 0, seconds: 0 }]);
  });
});
