import { StoredEvent } from '@oriental/contracts';
import type { EventStore } from '@oriental/event-store';
import { NotFound } from '@oriental/service-kit';
import { z } from 'zod';
import { caseOf, summaries } from './journey.contexts';
import { CaseState, Journey, JourneyEntry } from './journey.schema';

/**
 * A beneficiary's journey: every event, in every context, whose metadata names them, in the
 * order of the log (intake's `beneficiary-<id>`, referral's `referral-<id>` streams). The HTTP
 * query and the auditors' CLI both read it through these functions.
 */

/** An instant with its time zone, e.g. `2026-07-15T09:30:00Z` or `2026-07-15T11:30:00+02:00`. */
const isoInstant = z.iso.datetime({ offset: true });
export const AS_OF_FORMAT = 'must be an ISO 8601 instant with a time zone, e.g. 2026-07-15T09:30:00Z';

/** Parses an `asOf`; undefined when it is not an ISO 8601 instant with a time zone (a real calendar date). */
export const parseAsOf = (value: string): Date | undefined => (isoInstant.safeParse(value).success ? new Date(value) : undefined);

/** The beneficiary has no event at all. */
export const journeyNotFound = (beneficiaryId: string): NotFound => new NotFound('Journey of beneficiary', beneficiaryId, 'JOURNEY_NOT_FOUND');

/** The beneficiary's journey had not started at the instant asked for. */
export class JourneyNotStarted extends NotFound {
  constructor(beneficiaryId: string, asOf: Date, firstAt: string) {
    super('Journey of beneficiary', beneficiaryId, 'JOURNEY_NOT_STARTED');
    this.message = `The journey of beneficiary ${beneficiaryId} had not started at ${asOf.toISOString()}: its first event occurred at ${firstAt}`;
  }
}

/** The stored events of a journey, an index range of the store (its cost is that journey's). Throws JOURNEY_NOT_FOUND when there are none. */
export const readJourneyEvents = async (store: Pick<EventStore, 'readJourney'>, beneficiaryId: string): Promise<StoredEvent[]> => {
  const events = await store.readJourney(beneficiaryId);
  if (events.length === 0) throw journeyNotFound(beneficiaryId);
  return events;
};

const SEALED = '[personal data: encrypted]';
/** Sealed with a key destroyed since: no one can read it any more, wherever it is stored. */
const ERASED = '[personal data: erased]';
const FREE_TEXT = '[free text: withheld]';
/** Free text agents type (notes, a consent override's reason) may name people: withheld like personal data. */
const freeTextKeys = new Set(['note', 'notes']);
/** Stored in clear for intake's rules, published only as an age band: withheld from journeys too. */
const WITHHELD = '[personal data: withheld]';
const personalKeys = new Set(['birthYear']);

/**
 * Sealed personal data is shown as such (the journey never decrypts it), or as erased when its
 * key (`kid`, the beneficiary) was destroyed, and free text is withheld.
 */
const redact = (value: unknown, erased: ReadonlySet<string>, key?: string, parent?: string): unknown => {
  if (Array.isArray(value)) return value.map((item) => redact(item, erased));
  if (value && typeof value === 'object') {
    if ((value as { alg?: unknown }).alg === 'A256GCM' && 'ciphertext' in value) return erased.has(String((value as { kid?: unknown }).kid)) ? ERASED : SEALED;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, erased, k, key)]));
  }
  if (typeof value === 'string' && key !== undefined && (freeTextKeys.has(key) || (parent === 'consentOverride' && key === 'reason'))) return FREE_TEXT;
  if (key !== undefined && personalKeys.has(key)) return WITHHELD;
  return value;
};

/** The beneficiaries whose personal data the events say was erased (intake's `PersonalDataErased`): their keys are destroyed. */
const erasedIn = (events: readonly StoredEvent[]): Set<string> =>
  new Set(events.filter((event) => event.type === 'PersonalDataErased' && event.stream.startsWith('beneficiary-')).map((event) => String((event.data as { beneficiaryId?: unknown }).beneficiaryId)));

/** The entries of a journey, each with its one-line summary; sealed values of an erased person show as erased. */
export const journeyEntries = (events: readonly StoredEvent[]): JourneyEntry[] => {
  const lines = summaries(events);
  const erased = erasedIn(events);
  return events.map((stored, index) => ({
    type: stored.type,
    occurredAt: stored.metadata.occurredAt,
    actor: stored.metadata.actor,
    ...(stored.metadata.cellId ? { cellId: stored.metadata.cellId } : {}),
    stream: stored.stream,
    revision: stored.revision,
    position: stored.position,
    summary: lines[index]!,
    data: redact(stored.data, erased),
  }));
};

/** The journey of one beneficiary: `GET /journeys/{id}` and `npm run journey`. */
export const journeyOf = async (store: Pick<EventStore, 'readJourney'>, beneficiaryId: string): Promise<Journey> => ({
  beneficiaryId,
  events: journeyEntries(await readJourneyEvents(store, beneficiaryId)),
});

/**
 * The events that had happened at `asOf`: those that occurred (`metadata.occurredAt`, the
 * command's clock) at or before it, in log order. Within a stream the cut is a prefix: it stops
 * at the first event that occurred after `asOf`, so a clock that went backwards never hands a
 * decider an event without the ones it followed.
 */
export const happenedBy = (events: readonly StoredEvent[], asOf: Date): StoredEvent[] => {
  const cut = new Set<string>();
  return events.filter((event) => {
    if (cut.has(event.stream)) return false;
    if (Date.parse(event.metadata.occurredAt) <= asOf.getTime()) return true;
    cut.add(event.stream);
    return false;
  });
};

/**
 * The case as it stood at `asOf`: the events that had happened by then (`happenedBy`) folded
 * with intake's and referral's own `evolve`, mapped to what an auditor may see. Throws
 * JOURNEY_NOT_STARTED when the beneficiary was not registered yet at `asOf`.
 */
export const caseStateAt = (beneficiaryId: string, events: readonly StoredEvent[], asOf: Date): CaseState => {
  const happened = happenedBy(events, asOf);
  const state = happened.length > 0 ? caseOf(beneficiaryId, happened) : undefined;
  if (!state) throw new JourneyNotStarted(beneficiaryId, asOf, events[0]!.metadata.occurredAt);
  const last = happened[happened.length - 1]!;
  return { beneficiaryId, asOf: asOf.toISOString(), eventsApplied: happened.length, lastEventAt: last.metadata.occurredAt, ...state };
};

/** The case of one beneficiary at `asOf`: `GET /journeys/{id}/state` and `npm run journey -- --as-of`. */
export const caseStateOf = async (store: Pick<EventStore, 'readJourney'>, beneficiaryId: string, asOf: Date): Promise<CaseState> =>
  caseStateAt(beneficiaryId, await readJourneyEvents(store, beneficiaryId), asOf);
