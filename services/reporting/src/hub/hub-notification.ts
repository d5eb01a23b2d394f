import {
  BeneficiaryCategories,
  BeneficiaryCategory,
  LogPosition,
  publishCapacityBuildingEvent,
  publishIntakeEvent,
  publishReferralEvent,
  StoredEvent,
} from '@oriental/contracts';
import { z } from 'zod';

/**
 * What the coordination hub's feed says of one integration event: its type, when it happened,
 * where (cell, province) and, for a beneficiary's events, their category (MRE: Moroccan living
 * abroad; returnee; RPT: refugee, asylum seeker or migrant in transit). Nothing else: no id, no
 * personal data, no free text. One definition for the handler's type and the OpenAPI document.
 */
export const hubNotificationSchema = z
  .object({
    type: z.string().meta({ description: 'The integration event, as its topic names it (docs/asyncapi.yaml)', example: 'BeneficiaryRegistered' }),
    occurredAt: z.string().meta({ description: 'When the command that caused it ran (ISO 8601)', example: '2026-07-15T09:30:00.000Z' }),
    cellId: z.string().optional().meta({ description: 'The cell it happened in (the case’s cell at the time)', example: 'oujda' }),
    province: z.string().optional().meta({ description: 'The province or prefecture of that cell (reference data), or the one a training event names', example: 'oujda-angad' }),
    category: z.enum(BeneficiaryCategories).optional().meta({ description: 'The beneficiary’s category, for their events' }),
  })
  .strict();
export type HubNotification = z.output<typeof hubNotificationSchema>;

/** A notification and the log position of its event: the SSE `id`, from which a client resumes. */
export interface FeedItem {
  position: LogPosition;
  notification: HubNotification;
}

type PublishedLanguage = (event: StoredEvent) => { type: string; schemaVersion: number; data: unknown } | null;

/**
 * Every context's published language and the stream categories it translates: the feed shows
 * what the topics carry, one notification per integration event, and nothing they do not.
 */
const LANGUAGES: readonly { prefixes: readonly string[]; publish: PublishedLanguage }[] = [
  { prefixes: ['beneficiary-'], publish: publishIntakeEvent },
  { prefixes: ['referral-', 'partner-'], publish: publishReferralEvent },
  { prefixes: ['programme-', 'session-', 'participant-'], publish: publishCapacityBuildingEvent },
];

/** The stream categories the feed follows. */
export const FEED_STREAM_PREFIXES: readonly string[] = LANGUAGES.flatMap((language) => language.prefixes);

/** The integration event a stored event publishes (its type and data), or null when it publishes nothing. */
export const publishedOf = (event: StoredEvent): { type: string; data: unknown } | null => {
  const language = LANGUAGES.find((candidate) => candidate.prefixes.some((prefix) => event.stream.startsWith(prefix)));
  try {
    return language?.publish(event) ?? null;
  } catch {
    // An event its contract refuses is not on the topic either (the forwarder stops on it): not in the feed.
    return null;
  }
};

const isCategory = (value: unknown): value is BeneficiaryCategory => (BeneficiaryCategories as readonly unknown[]).includes(value);

/** The category a published registration names, if it is one. */
export const categoryOfRegistration = (published: { type: string; data: unknown } | null): BeneficiaryCategory | undefined => {
  if (published?.type !== 'BeneficiaryRegistered') return undefined;
  const category = (published.data as { category?: unknown }).category;
  return isCategory(category) ? category : undefined;
};

/** The province a published event names in its data (a training session or a participant), if any. */
export const provinceNamedBy = (published: { data: unknown } | null): string | undefined => {
  const province = (published?.data as { province?: unknown } | undefined)?.province;
  return typeof province === 'string' ? province : undefined;
};
