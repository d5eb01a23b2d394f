/**
 * The shape every domain model takes (https://thinkbeforecoding.com/post/2021/12/17/functional-event-sourcing-decider):
 * pure functions over unions, no framework, no I/O. Time and ids arrive inside commands.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export interface DomainCommand<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

export interface Decider<Command extends DomainCommand, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
}

export const fold = <Event extends DomainEvent, State>(
  decider: Pick<Decider<never, Event, State>, 'evolve' | 'initialState'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState);

/**
 * A business rule said no. `kind` tells the edges how to answer (HTTP: conflict → 409,
 * rule → 422, not_found → 404) without the domain knowing about HTTP.
 */
export type DomainErrorKind = 'conflict' | 'rule' | 'not_found';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The command is not allowed in the current state (e.g. registering twice). */
export class IllegalState extends DomainError {
  constructor(code: string, message: string) {
    super(code, 'conflict', message);
    this.name = 'IllegalState';
  }
}

/** The command breaks a business rule whatever the state (e.g. a birth year in the future). */
export class RuleViolation extends DomainError {
  constructor(code: string, message: string) {
    super(code, 'rule', message);
    this.name = 'RuleViolation';
  }
}
