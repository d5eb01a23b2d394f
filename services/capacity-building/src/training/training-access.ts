import type { Role } from '@oriental/service-kit';

/** Who manages training: programmes, sessions, participants, enrolment, attendance, evaluations, closing. */
export const TRAINERS: [Role, ...Role[]] = ['trainer'];

/**
 * Who may read training records: trainers, and those who read the network's figures (the region's
 * and provinces' coordinators, auditors). Only trainers see a participant's names.
 */
export const TRAINING_READERS: [Role, ...Role[]] = ['trainer', 'regional_coordinator', 'provincial_coordinator', 'auditor'];
