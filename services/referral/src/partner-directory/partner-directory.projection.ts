import { ContractRegistry, IntegrationEvent, PartnerListing, PartnerRegisteredV1, PartnerUpdatedV1, publishReferralEvent, ReferralContracts } from '@oriental/contracts';
import { applyBatch, DocumentCollection, DocumentProjection, ReadStore, SourcedEvent } from '@oriental/read-store';
import { fromPublishedLanguage, ReadModel } from '@oriental/service-kit';

export const referralContracts = new ContractRegistry(ReferralContracts);

/** A partner of the directory as lists show it: its listing. */
export type PartnerEntry = PartnerListing;

/**
 * One entry of the coverage index: the partner covers `coverage`, a key such as
 * `need:health|province:nador`, `need:health` or `province:nador`. The store indexes
 * `coverage`, so "who covers this need in this province" reads only the matching entries.
 */
interface CoverageEntry {
  coverage: string;
  partnerId: string;
}

export const PARTNERS = 'referral_partners';
const PARTNER_COVERAGE = 'referral_partner_coverage';

type PartnerListingEvent = IntegrationEvent<'PartnerRegistered' | 'PartnerUpdated', PartnerRegisteredV1 | PartnerUpdatedV1>;
type CoverageEvent = SourcedEvent & { coverage: string; partnerId: string };

const isListing = (event: IntegrationEvent): event is PartnerListingEvent => event.type === 'PartnerRegistered' || event.type === 'PartnerUpdated';

const coverageKey = ({ need, province }: { need?: string; province?: string }): string =>
  [need !== undefined ? `need:${need}` : undefined, province !== undefined ? `province:${province}` : undefined].filter(Boolean).join('|');

const coverageKeys = (partner: Pick<PartnerEntry, 'needs' | 'provinces'>): string[] => [
  ...partner.needs.flatMap((need) => partner.provinces.map((province) => coverageKey({ need, province }))),
  ...partner.needs.map((need) => coverageKey({ need })),
  ...partner.provinces.map((province) => coverageKey({ province })),
];

const covers = (partner: PartnerEntry, { need, province }: { need?: string; province?: string }): boolean =>
  (need === undefined || partner.needs.includes(need)) && (province === undefined || partner.provinces.includes(province));

/**
 * The partner directory, fed by referral's own partner events: a document per partner, and the
 * coverage index beside it. A listing that stops covering a need leaves its old index entries
 * behind; a query reads the partners its entries name and keeps those whose listing still
 * covers the need, so a stale entry is never shown (and costs one row).
 */
export class PartnerDirectoryProjection implements ReadModel, DocumentProjection<IntegrationEvent, PartnerEntry> {
  readonly name = 'partner-directory';
  readonly streamPrefixes = ['partner-'];
  readonly documents: DocumentCollection<PartnerEntry>;
  readonly coverage: DocumentCollection<CoverageEntry>;
  readonly toIntegrationEvent = fromPublishedLanguage(publishReferralEvent);
  private readonly coverageProjection: DocumentProjection<CoverageEvent, CoverageEntry>;

  constructor(readonly readStore: ReadStore) {
    this.documents = readStore.collection<PartnerEntry>(PARTNERS);
    this.coverage = readStore.collection<CoverageEntry>(PARTNER_COVERAGE, { indexes: ['coverage'] });
    this.coverageProjection = {
      documents: this.coverage,
      documentId: (event) => `${event.coverage}#${event.partnerId}`,
      evolve: (_current, event) => ({ coverage: event.coverage, partnerId: event.partnerId }),
    };
  }

  get collections() {
    return [this.documents, this.coverage];
  }

  documentId(event: IntegrationEvent): string | undefined {
    return isListing(event) ? event.data.partnerId : undefined;
  }

  evolve(_current: PartnerEntry | null, event: IntegrationEvent): PartnerEntry {
    const { partnerId, name, kind, provinces, needs, responseDelayDays } = (event as PartnerListingEvent).data;
    return { partnerId, name, kind, provinces, needs, responseDelayDays };
  }

  /** The index entries first, then the partners: a query trusts only the partner documents. */
  async applyBatch(lane: string, events: readonly IntegrationEvent[]): Promise<{ applied: number }> {
    const entries = events.filter(isListing).flatMap((event) =>
      coverageKeys(event.data).map((coverage): CoverageEvent => ({ source: event.source, coverage, partnerId: event.data.partnerId })),
    );
    if (entries.length > 0) await applyBatch(this.readStore, this.coverageProjection, lane, entries);
    return applyBatch(this.readStore, this, lane, events);
  }

  /** Partners covering the need in the province (either may be left out), by name. */
  async search(filter: { need?: string; province?: string }): Promise<PartnerEntry[]> {
    const key = coverageKey(filter);
    const candidates = key
      ? await this.documents.getMany([...new Set((await this.coverage.find({ coverage: key })).map((entry) => entry.data.partnerId))])
      : await this.documents.find();
    return candidates
      .map((document) => document.data)
      .filter((partner) => covers(partner, filter))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  }
}
