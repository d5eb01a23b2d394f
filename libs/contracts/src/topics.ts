/**
 * Kafka topics, one per bounded context. Messages are keyed by beneficiary id so that every
 * event of one journey lands on one partition, in order.
 */
export const Topics = {
  intake: 'oriental.intake.v1',
  referral: 'oriental.referral.v1',
  capacityBuilding: 'oriental.capacity-building.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Stream categories each context owns in the shared event store (`<category>-<id>`). */
export const StreamCategories = {
  intake: ['beneficiary'],
  referral: ['referral', 'partner'],
  capacityBuilding: ['training', 'participant'],
} as const;

/** Builds `<category>-<id>`; the only place stream names are spelt. */
export const streamName = (category: string, id: string): string => `${category}-${id}`;

export const categoryOf = (stream: string): string => {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
};
