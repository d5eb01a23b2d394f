/**
 * Kafka topics, one per bounded context. Messages are keyed by beneficiary id so that every
 * event of one journey lands on one partition, in order; capacity building's, which concern no
 * beneficiary, by their stream (one session's enrolments, in order).
 */
export const Topics = {
  intake: 'oriental.intake.v1',
  referral: 'oriental.referral.v1',
  capacityBuilding: 'oriental.capacity-building.v1',
} as const;
