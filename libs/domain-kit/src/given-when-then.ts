import { Decider, DomainCommand, DomainError, DomainEvent, fold } from './decider';

/**
 * given(events).when(command).then(events | error) for decider unit specs. Framework-neutral:
 * it throws on mismatch, so any test runner reports it.
 */
export const specFor =
  <Command extends DomainCommand, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) =>
  (history: Event[] = []) => ({
    when: (command: Command) => {
      const run = () => decider.decide(command, fold(decider, history));
      return {
        then: (expected: Event[]) => {
          const actual = run();
          const a = JSON.stringify(actual);
          const e = JSON.stringify(expected);
          if (a !== e) throw new Error(`expected events\n  ${e}\nbut got\n  ${a}`);
        },
        thenFails: (code: string) => {
          let failure: unknown;
          try {
            const produced = run();
            failure = new Error(`expected ${code} but the command produced ${JSON.stringify(produced)}`);
          } catch (error) {
            if (error instanceof DomainError && error.code === code) return;
            failure = error instanceof DomainError ? new Error(`expected ${code} but failed with ${error.code}`) : error;
          }
          throw failure;
        },
      };
    },
  });
