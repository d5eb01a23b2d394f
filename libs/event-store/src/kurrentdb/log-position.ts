import { LogPosition } from '@oriental/contracts';

/** A record's place in KurrentDB's transaction file (the client's `Position`). */
export interface KurrentPosition {
  commit: bigint;
  prepare: bigint;
}

/** `<commit>/<prepare>`, both decimal: readable, and exact beyond 2^53. */
export const encodeKurrentPosition = ({ commit, prepare }: KurrentPosition): LogPosition => `${commit}/${prepare}`;

export const decodeKurrentPosition = (position: LogPosition): KurrentPosition => {
  const match = /^(\d+)\/(\d+)$/.exec(position);
  if (!match) throw new Error(`${position} is not a KurrentDB log position (<commit>/<prepare>)`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
};

/** Log order: by commit position, then by prepare position within one commit. */
export const compareKurrentPositions = (a: KurrentPosition, b: KurrentPosition): number =>
  a.commit !== b.commit ? (a.commit < b.commit ? -1 : 1) : a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
