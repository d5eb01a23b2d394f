/** Dependency-injection tokens of this library's ports. */
export const EVENT_STORE = Symbol('EventStore');
