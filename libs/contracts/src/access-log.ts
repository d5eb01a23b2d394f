import { z } from 'zod';

/**
 * The access log (law 09-08): every read of a person's personal data is an event of the stream
 * `access-<beneficiaryId>`, appended by intake before it answers, read by auditors through
 * reporting (`GET /journeys/{id}/access`). It is not part of the journey (its metadata names no
 * beneficiary): reading a case does not change the case.
 */
export const accessLogStream = (beneficiaryId: string): string => `access-${beneficiaryId}`;
export const ACCESS_LOG_STREAM_PREFIX = 'access-';

/** Why personal data is read: the fixed list of `X-Purpose`. */
export const READ_PURPOSES = ['casework', 'follow_up', 'referral', 'transfer', 'duplicate_review', 'data_subject_request', 'audit'] as const;
export type ReadPurpose = (typeof READ_PURPOSES)[number];

export const PERSONAL_DATA_READ = 'PersonalDataRead';

export const personalDataReadSchema = z.object({
  beneficiaryId: z.uuid(),
  /** What was read: the case (`GET /beneficiaries/{id}`) or the export of everything held (`/export`). */
  record: z.enum(['case', 'export']),
  purpose: z.enum(READ_PURPOSES),
  /** The reader's role and, for cell staff, their cell, as their token said. */
  role: z.string().min(1).max(60),
  readerCellId: z.string().min(1).max(100).optional(),
});
export type PersonalDataRead = z.infer<typeof personalDataReadSchema>;
