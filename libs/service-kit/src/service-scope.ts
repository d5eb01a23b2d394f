import { AsyncLocalStorage } from 'node:async_hooks';
import type { InMemoryBus } from '@oriental/messaging';
import type { Infrastructure } from './infrastructure';

/**
 * Which service the code running now belongs to. Nest has one logger per process (its static
 * `Logger`, which `NestFactory.create({ logger })` replaces), so in the embedded default, where
 * the four services share a process, every `new Logger(…)` and every error Nest logs went to
 * the logger of the service created last: intake's HTTP errors said "service":"reporting". The
 * service is carried by the asynchronous context instead, and `JsonLogger` names it.
 *
 * A service's scope covers what its start runs and what that start sets going (its HTTP
 * server, module hooks, followers, Kafka consumers: asynchronous work keeps the context it
 * began in), and every delivery of the in-process bus to its consumers (`consumingInScope`),
 * which would otherwise run in the publishing forwarder's context.
 */
const scope = new AsyncLocalStorage<string>();

/** The service of the code running now, if it runs in one's scope. */
export const currentService = (): string | undefined => scope.getStore();

/** Runs `work` (and whatever it sets going) as `service`'s. */
export const inServiceScope = <T>(service: string, work: () => T): T => scope.run(service, work);

/**
 * The infrastructure as `service`'s consumers see it: the in-process bus hands them each batch
 * in `service`'s scope. The rest is the same objects (a proxy passes every other member through).
 */
export const consumingInScope = (infrastructure: Infrastructure, service: string): Infrastructure => {
  const bus = infrastructure.memoryBus;
  if (!bus) return infrastructure;
  const subscribe = (...[topic, groupId, handler, ...rest]: Parameters<InMemoryBus['subscribe']>) =>
    bus.subscribe(topic, groupId, (...delivery) => inServiceScope(service, () => handler(...delivery)), ...rest);
  const scoped = new Proxy(bus, {
    get(target, property) {
      if (property === 'subscribe') return subscribe;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...infrastructure, memoryBus: scoped };
};
