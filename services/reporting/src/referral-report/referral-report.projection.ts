import {
  BeneficiaryCategory,
  IntakeIntegrationEvent,
  IntegrationEvent,
  publishIntakeEvent,
  publishReferralEvent,
  ReferralIntegrationEvent,
  ReferralStatus,
  StoredEvent,
} from '@oriental/contracts';
import { DocumentCollection, ReadStore } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';
import { applyDatedBatch, BucketCounts, countsOf, DatedCount, DatedCountsProjection, dayOf, Period, PlacedCounts } from '../indicators/dated-counts';
import { cellPlace, figureKey } from '../indicators/figures';

/** A referral as the report counts it: what referral published, never notes. */
interface CountedReferral {
  /** The cell that sent it: sent referrals and their outcomes are credited to it. */
  cellId: string;
  /** The cell that has the case now (a transfer moves open referrals): an overdue answer is its to chase. */
  currentCellId: string;
  partnerId: string;
  need: string;
  sentAt: string;
  /** Day (UTC) it was sent. */
  sentOn: string;
  /** Day (UTC) the partner's answer is due. */
  answerDueOn: string;
  status: ReferralStatus;
  /** Whether the partner accepted it (it may have been completed or revoked since). */
  accepted: boolean;
  /** Whole hours from sending to the partner's first answer (accepted or declined); absent until it answers. */
  hoursToFirstAnswer?: number;
}

/**
 * One document per beneficiary with a category (from intake's registration, for the `category`
 * filter), consent to statistics (for public reports) and their referrals. Intake's and
 * referral's events both change it, each in stream order; a referral seen before the
 * registration counts under category `unknown` until the registration arrives.
 */
export interface BeneficiaryReferrals {
  beneficiaryId: string;
  category?: BeneficiaryCategory;
  statisticsConsent?: boolean;
  referrals: Record<string, CountedReferral>;
}

export const REFERRAL_REPORT_DOCUMENTS = 'reporting_referral_beneficiaries';
const REFERRAL_REPORT_COUNTS = 'reporting_referral_dated_counts';
const REFERRAL_REPORT_PROJECTION = 'referral-report';

/**
 * The bins of the time to a partner's first answer, by their first hour: every hour of the first
 * day, every day of the first two weeks, every week up to eight, then one bin. A bounded
 * histogram: a median is known to within its bin (an hour, a day or a week).
 */
export const answerBinOf = (hours: number): number => {
  if (hours < 24) return Math.max(0, Math.floor(hours));
  if (hours < 14 * 24) return 24 * Math.floor(hours / 24);
  if (hours < 8 * 168) return 168 * Math.floor(hours / 168);
  return 8 * 168;
};
/** The first hour after a bin (null: the last bin has no end). */
export const answerBinEnd = (bin: number): number | null => (bin < 24 ? bin + 1 : bin < 14 * 24 ? bin + 24 : bin < 8 * 168 ? bin + 168 : null);

type IntakeFollowed = Extract<IntakeIntegrationEvent, { type: 'BeneficiaryRegistered' | 'ConsentGiven' | 'ConsentWithdrawn' }>;
type ReferralFollowed = Extract<ReferralIntegrationEvent, { type: 'ReferralSent' | 'ReferralAccepted' | 'ReferralDeclined' | 'ReferralCompleted' | 'ReferralRevoked' | 'ReferralMoved' }>;
type Followed = IntakeFollowed | ReferralFollowed;
const INTAKE = new Set<string>(['BeneficiaryRegistered', 'ConsentGiven', 'ConsentWithdrawn'] satisfies IntakeFollowed['type'][]);
const REFERRAL = new Set<string>(['ReferralSent', 'ReferralAccepted', 'ReferralDeclined', 'ReferralCompleted', 'ReferralRevoked', 'ReferralMoved'] satisfies ReferralFollowed['type'][]);

const hoursBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;

/**
 * Measures (docs/indicators.md), under the beneficiary's category and consent to statistics:
 * - on the day a referral was sent, at the cell that sent it: `sent`, `status:<status>`,
 *   `partner:<id>`, `partner:<id>.status:<status>`, `need:<code>`, `need:<code>.status:<status>`,
 *   `accepted` once the partner accepted, `answered` once it answered, and the bin of the time to
 *   that first answer, `firstAnswer:<first hour of the bin>`;
 * - on the day its answer is due, at the cell that has the case now, while it awaits an answer:
 *   `awaiting`, `awaiting.partner:<id>`, `awaiting.need:<code>`.
 */
const countAs = (document: BeneficiaryReferrals): DatedCount[] => {
  const who = (measure: string) => figureKey(document.category ?? 'unknown', document.statisticsConsent === true, measure);
  const counts: DatedCount[] = [];
  for (const referral of Object.values(document.referrals)) {
    const sent = (measure: string): DatedCount => ({ day: referral.sentOn, place: cellPlace(referral.cellId), key: who(measure) });
    const { status, partnerId, need } = referral;
    counts.push(...['sent', `status:${status}`, `partner:${partnerId}`, `partner:${partnerId}.status:${status}`, `need:${need}`, `need:${need}.status:${status}`].map(sent));
    if (referral.accepted) counts.push(sent('accepted'));
    if (referral.hoursToFirstAnswer !== undefined) counts.push(sent('answered'), sent(`firstAnswer:${answerBinOf(referral.hoursToFirstAnswer)}`));
    if (status === 'sent') {
      for (const measure of ['awaiting', `awaiting.partner:${partnerId}`, `awaiting.need:${need}`]) counts.push({ day: referral.answerDueOn, place: cellPlace(referral.currentCellId), key: who(measure) });
    }
  }
  return counts;
};

const publishedIntake = fromPublishedLanguage(publishIntakeEvent);
const publishedReferral = fromPublishedLanguage(publishReferralEvent);

/**
 * The referrals report's read model: fed by intake's topic (the category and the consent) and
 * referral's (the referrals), one document per beneficiary, counted by day, month and all time.
 */
export class ReferralReportProjection implements ReadModel, DatedCountsProjection<IntegrationEvent, BeneficiaryReferrals> {
  readonly name = REFERRAL_REPORT_PROJECTION;
  readonly streamPrefixes = ['beneficiary-', 'referral-'];
  readonly documents: DocumentCollection<BeneficiaryReferrals>;
  readonly counters: { collection: DocumentCollection<BucketCounts>; countAs: typeof countAs };

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<BeneficiaryReferrals>(REFERRAL_REPORT_DOCUMENTS);
    this.counters = { collection: readStore.collection<BucketCounts>(REFERRAL_REPORT_COUNTS), countAs };
  }

  get collections() {
    return [this.documents, this.counters.collection];
  }

  /** Each stream through its owner's published language, as the bus carries it. */
  toIntegrationEvent(stored: StoredEvent): IntegrationEvent | null {
    return stored.stream.startsWith('referral-') ? publishedReferral(stored) : publishedIntake(stored);
  }

  /** The beneficiary: named by intake's events, and by the envelope of every referral event. */
  documentId(event: IntegrationEvent): string | undefined {
    if (INTAKE.has(event.type)) return (event as IntakeFollowed).data.beneficiaryId;
    if (REFERRAL.has(event.type)) return event.beneficiaryId ?? (event.type === 'ReferralSent' ? (event as Extract<ReferralFollowed, { type: 'ReferralSent' }>).data.beneficiaryId : undefined);
    return undefined;
  }

  evolve(current: BeneficiaryReferrals | null, integrationEvent: IntegrationEvent): BeneficiaryReferrals {
    const event = integrationEvent as Followed;
    const document: BeneficiaryReferrals = current ?? { beneficiaryId: this.documentId(integrationEvent)!, referrals: {} };
    const change = (referralId: string, update: (referral: CountedReferral) => CountedReferral): BeneficiaryReferrals => {
      const referral = document.referrals[referralId];
      // A referral whose sending this model never received is counted nowhere.
      return referral ? { ...document, referrals: { ...document.referrals, [referralId]: update(referral) } } : document;
    };
    const answered = (referral: CountedReferral, at: string): number => referral.hoursToFirstAnswer ?? Math.max(0, Math.floor(hoursBetween(referral.sentAt, at)));
    switch (event.type) {
      case 'BeneficiaryRegistered':
        return { ...document, category: event.data.category, statisticsConsent: event.data.consent.statistics };
      case 'ConsentGiven':
      case 'ConsentWithdrawn':
        return event.data.purpose === 'statistics' ? { ...document, statisticsConsent: event.type === 'ConsentGiven' } : document;
      case 'ReferralSent': {
        const { referralId, cellId, partnerId, need, sentAt, answerDueBy } = event.data;
        return {
          ...document,
          referrals: {
            ...document.referrals,
            [referralId]: { cellId, currentCellId: cellId, partnerId, need, sentAt, sentOn: dayOf(sentAt), answerDueOn: dayOf(answerDueBy), status: 'sent', accepted: false },
          },
        };
      }
      case 'ReferralAccepted':
        return change(event.data.referralId, (referral) => ({ ...referral, status: 'accepted', accepted: true, hoursToFirstAnswer: answered(referral, event.data.acceptedAt) }));
      case 'ReferralDeclined':
        return change(event.data.referralId, (referral) => ({ ...referral, status: 'declined', hoursToFirstAnswer: answered(referral, event.data.declinedAt) }));
      case 'ReferralCompleted':
        return change(event.data.referralId, (referral) => ({ ...referral, status: 'completed' }));
      case 'ReferralRevoked':
        return change(event.data.referralId, (referral) => ({ ...referral, status: 'revoked' }));
      case 'ReferralMoved':
        return change(event.data.referralId, (referral) => ({ ...referral, currentCellId: event.data.toCellId }));
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  }

  /** Applies a batch of one lane's intake or referral integration events; other types are not its business. */
  applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    return applyDatedBatch(this.readStore, this, lane, events);
  }

  counts(period: Period = {}): Promise<PlacedCounts> {
    return countsOf(this.counters.collection, period);
  }
}
