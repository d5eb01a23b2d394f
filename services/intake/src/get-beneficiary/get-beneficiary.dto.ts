import {
  BeneficiaryCategories,
  beneficiaryProfileSchema,
  CloseReasons,
  consentSchema,
  FollowUpOutcomes,
  isoDate,
  NeedPriorities,
  Sexes,
  TransferReasons,
} from '@oriental/contracts';
import { Beneficiary, ErasureReasons, personalDataSchema } from '@oriental/intake-domain';
import { z } from 'zod';

const instant = z.iso.datetime({ offset: true });
/** A sealed note opened for intake: null when it can no longer be opened (the person's data was erased). */
const openedNote = z.string().nullable().optional();

/**
 * `GET /beneficiaries/{id}`: the whole case as intake sees it, personal data opened. Its type
 * checks the controller's answer, and its OpenAPI schema is derived from it.
 */
export const beneficiaryCaseAnswer = z.object({
  beneficiaryId: z.uuid(),
  cellId: z.string().meta({ description: 'The cell that has the case now (it changes when a transfer is accepted)' }),
  status: z.enum(['open', 'closed']),
  category: z.enum(BeneficiaryCategories),
  sex: z.enum(Sexes),
  birthYear: z.int(),
  nationality: z.string(),
  registeredAt: instant,
  consent: consentSchema.meta({ description: 'Current consent per purpose' }),
  profile: beneficiaryProfileSchema,
  person: personalDataSchema.nullable().meta({ description: 'Personal data, opened for intake; null once erased' }),
  personalData: z.enum(['present', 'erased']),
  erasure: z
    .object({ reason: z.enum(ErasureReasons), erasedAt: instant })
    .nullable()
    .meta({ description: 'Why and when the personal data was erased (POST /beneficiaries/{id}/erasure); null when it was not' }),
  needs: z.array(
    z.object({ code: z.string(), priority: z.enum(NeedPriorities), status: z.enum(['open', 'met']), assessedAt: instant, metAt: instant.optional() }),
  ),
  followUps: z.array(
    z.object({
      followUpId: z.uuid(),
      dueDate: isoDate,
      note: openedNote,
      scheduledAt: instant,
      outcome: z.enum(FollowUpOutcomes).optional(),
      outcomeNote: openedNote,
      recordedAt: instant.optional(),
    }),
  ),
  pendingTransfer: z.object({ transferId: z.uuid(), toCellId: z.string(), reason: z.enum(TransferReasons), note: openedNote, requestedAt: instant }).nullable(),
  closure: z.object({ reason: z.enum(CloseReasons), note: openedNote, closedAt: instant }).nullable(),
  possibleDuplicates: z
    .array(z.object({ beneficiaryId: z.uuid(), score: z.number() }))
    .meta({ description: 'Who the person may already be, as screened at registration (link or dismiss each)' }),
  duplicates: z.array(z.object({ otherBeneficiaryId: z.uuid(), decision: z.enum(['linked', 'dismissed']) })),
  revision: z.int().meta({ description: 'The stream revision, also the ETag' }),
});

export type BeneficiaryCaseAnswer = z.output<typeof beneficiaryCaseAnswer>;

/** The answer for a case folded with its personal data opened (GET and the export say it alike). */
export const caseAnswerOf = (state: Exclude<Beneficiary, { status: 'unknown' }>, revision: number): BeneficiaryCaseAnswer => ({
  ...state,
  personalData: state.person ? 'present' : 'erased',
  possibleDuplicates: state.possibleDuplicates ?? [],
  needs: Object.values(state.needs),
  followUps: Object.values(state.followUps).sort((a, b) => a.dueDate.localeCompare(b.dueDate)),
  duplicates: Object.entries(state.duplicates).map(([otherBeneficiaryId, decision]) => ({ otherBeneficiaryId, decision })),
  revision,
});
