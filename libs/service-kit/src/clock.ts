/** The clock is an input: commands get `now` from it, so tests and replays can fix time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const fixedClock = (instant: string | Date): Clock & { set(to: string | Date): void } => {
  let current = new Date(instant);
  return { now: () => new Date(current), set: (to) => (current = new Date(to)) };
};
