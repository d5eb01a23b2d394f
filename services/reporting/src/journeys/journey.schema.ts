import { z } from 'zod';

/**
 * The journey and the as-of case, as the HTTP API answers them and the CLI prints them: one
 * definition each, from which the handlers' types (`z.infer`) and the OpenAPI document
 * (`ApiResponseOf`) derive, so a response cannot say what the document does not.
 *
 * Neither carries personal data: sealed values are shown as such, never opened, free-text notes
 * are withheld, and summaries name only codes, cells and partners.
 */

const instant = z.string().meta({ description: 'ISO 8601 instant (UTC)', example: '2026-07-15T09:30:00.000Z' });

export const journeyEntrySchema = z.object({
  type: z.string().meta({ example: 'NeedsAssessed' }),
  occurredAt: instant.meta({ description: "When it happened in the domain (the command's clock)" }),
  actor: z.string().meta({ description: 'Who did it: a user id, or system:<component>', example: 'agent:oujda-1' }),
  cellId: z.string().optional().meta({ description: 'The cell it happened at', example: 'oujda' }),
  stream: z.string().meta({ example: 'beneficiary-6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01' }),
  revision: z.int().nonnegative().meta({ description: "0-based place in its stream" }),
  position: z.string().meta({ description: "Opaque place in the event store's global log" }),
  summary: z.string().meta({ description: 'One line in English, without personal data', example: 'Needs assessed: legal_aid (high)' }),
  data: z.unknown().meta({
    description: 'The stored data, sealed personal data shown as "[personal data: encrypted]", the birth year as "[personal data: withheld]" and free-text notes as "[free text: withheld]"',
  }),
});
export type JourneyEntry = z.infer<typeof journeyEntrySchema>;

export const journeySchema = z.object({
  beneficiaryId: z.uuid(),
  events: z.array(journeyEntrySchema).meta({ description: "Every event of the beneficiary's, across intake and referral, in log order" }),
});
export type Journey = z.infer<typeof journeySchema>;

const referralStateSchema = z.object({
  referralId: z.uuid(),
  partnerId: z.string().meta({ example: 'anapec-oriental' }),
  need: z.string().meta({ example: 'vocational_training_employment' }),
  cellId: z.string().meta({ description: 'The cell the referral belongs to (it follows a transferred case)' }),
  status: z.enum(['sent', 'accepted', 'declined', 'completed', 'revoked']),
  consentOverridden: z.boolean().meta({ description: 'Sent without consent to sharing, under a recorded override' }),
  sentAt: instant,
  answerDueBy: instant,
  answeredAt: instant.optional(),
  declineReason: z.string().optional(),
  outcome: z.string().optional(),
  revokeReason: z.string().optional(),
  closedAt: instant.optional(),
  flags: z.array(z.string()).meta({ description: 'Flags raised and not cleared, e.g. consent_withdrawn' }),
});

export const caseStateSchema = z.object({
  beneficiaryId: z.uuid(),
  asOf: instant.meta({ description: 'The instant asked for' }),
  eventsApplied: z.int().min(1).meta({ description: 'Events of the journey folded into this state' }),
  lastEventAt: instant.meta({ description: 'occurredAt of the last of them' }),
  cellId: z.string().meta({ description: 'The cell the case belonged to (after accepted transfers)', example: 'nador' }),
  registeredAtCellId: z.string().meta({ description: 'The cell that registered the beneficiary', example: 'oujda' }),
  registeredAt: instant,
  category: z.enum(['mre', 'returnee', 'rpt']),
  status: z.enum(['open', 'closed']),
  closure: z.object({ reason: z.string(), closedAt: instant }).nullable(),
  consents: z.object({ services: z.boolean(), sharing: z.boolean(), statistics: z.boolean() }),
  needs: z.array(
    z.object({ code: z.string(), priority: z.enum(['high', 'medium', 'low']), status: z.enum(['open', 'met']), assessedAt: instant, metAt: instant.optional() }),
  ),
  followUps: z.array(
    z.object({
      followUpId: z.uuid(),
      dueDate: z.string().meta({ description: 'YYYY-MM-DD' }),
      scheduledAt: instant,
      outcome: z.enum(['held', 'missed', 'cancelled']).optional().meta({ description: 'Absent while pending' }),
      recordedAt: instant.optional(),
    }),
  ),
  pendingTransfer: z.object({ transferId: z.uuid(), toCellId: z.string(), reason: z.string(), requestedAt: instant }).nullable(),
  referrals: z.array(referralStateSchema).meta({ description: 'Referrals sent by then, in the order they were sent, each as it then stood' }),
});
export type CaseState = z.infer<typeof caseStateSchema>;
