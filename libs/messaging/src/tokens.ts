export const EVENT_BUS = Symbol('EventBus');
