import { AgeBands, BeneficiaryCategories, NeedPriorities, Sexes } from '@oriental/contracts';
import type { ReferenceData } from '@oriental/reference-data';
import { z } from 'zod';
import type { PlacedCounts } from './dated-counts';
import type { Audience, ReportQuery } from './report-query';

/**
 * The keys read models count under, and how a report turns what it read into figures: the rows
 * its filters select, added up by the cuts it shows, under the audience's disclosure rule.
 */

/** A count's place: the cell it is credited to, or a province when it has no cell (a training session held for a province). */
export const cellPlace = (cellId: string): string => `c:${cellId}`;
export const provincePlace = (province: string): string => `p:${province}`;

/** No category: figures about people who are not beneficiaries (participants in training). */
export const NO_CATEGORY = '-';

/**
 * A counter key: who is counted (their category; whether they consented to statistics, since a
 * public report counts only those who did) and the measure (`new`, `new.sex:female`, …).
 */
export const figureKey = (category: string, statistics: boolean, measure: string): string => `${category}|${statistics ? 's' : '-'}|${measure}`;

/** A count selected by a report's filters, with where it lies. */
export interface Row {
  cellId?: string;
  commune?: string;
  province: string;
  category: string;
  measure: string;
  n: number;
}

const UNKNOWN = 'unknown';

/**
 * The counts a report's filters select: its cell or province (a cell's province and commune come
 * from reference data; a cell it no longer lists is in province `unknown`), its category, and for
 * a public report only people who consented to statistics.
 */
const selectRows = (counts: PlacedCounts, query: Pick<ReportQuery, 'cellId' | 'province' | 'category' | 'audience'>, referenceData: ReferenceData): Row[] => {
  const rows: Row[] = [];
  for (const [place, atPlace] of counts) {
    const cellId = place.startsWith('c:') ? place.slice(2) : undefined;
    const cell = cellId !== undefined ? referenceData.cell(cellId) : undefined;
    const province = cellId !== undefined ? (cell?.province ?? UNKNOWN) : place.slice(2);
    if (query.cellId !== undefined && cellId !== query.cellId) continue;
    if (query.province !== undefined && province !== query.province) continue;
    for (const [key, n] of atPlace) {
      const [category, statistics, measure] = key.split('|') as [string, string, string];
      if (query.category !== undefined && category !== query.category) continue;
      if (query.audience === 'public' && statistics !== 's') continue;
      rows.push({ ...(cellId !== undefined ? { cellId, commune: cell?.commune ?? UNKNOWN } : {}), province, category, measure, n });
    }
  }
  return rows;
};

type Cut = 'cell' | 'commune' | 'province' | 'region' | 'category';

/** Selected counts added up by measure and cut. */
export class Tally {
  constructor(
    private readonly rows: readonly Row[],
    private readonly region: string,
  ) {}

  /** The rows of one measure. */
  private of(measure: string): Row[] {
    return this.rows.filter((row) => row.measure === measure);
  }

  total(measure: string): number {
    return this.of(measure).reduce((sum, row) => sum + row.n, 0);
  }

  /** `measure` added up by a cut: `by('new', 'cell')` → `{ oujda: 12 }`; places without a cell count under no cell. */
  by(measure: string, cut: Cut): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const row of this.of(measure)) {
      const key = cut === 'cell' ? row.cellId : cut === 'commune' ? row.commune : cut === 'province' ? row.province : cut === 'region' ? this.region : row.category;
      if (key === undefined || key === NO_CATEGORY) continue;
      totals[key] = (totals[key] ?? 0) + row.n;
    }
    return nonZero(totals);
  }

  /** The measures that start with `prefix`, added up by what follows it: `values('new.sex:')` → `{ female: 3, male: 2 }`. */
  values(prefix: string): Record<string, number> {
    const totals: Record<string, number> = {};
    for (const row of this.rows) {
      if (!row.measure.startsWith(prefix)) continue;
      const value = row.measure.slice(prefix.length);
      totals[value] = (totals[value] ?? 0) + row.n;
    }
    return nonZero(totals);
  }
}

const nonZero = (record: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(record).filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export const tallyOf = (counts: PlacedCounts, query: Pick<ReportQuery, 'cellId' | 'province' | 'category' | 'audience'>, referenceData: ReferenceData): Tally =>
  new Tally(selectRows(counts, query, referenceData), referenceData.territory.region.id);

/** A count as published: exact, or for the public `<5` below 5 and a multiple of 10 from 5 on. */
export type Count = number | '<5';
export const SUPPRESSED = '<5';
const SMALL_COUNT = 5;
/** Public reports round every count of 5 or more to a multiple of this (docs/indicators.md, "Small counts"). */
const ROUNDING_BASE = 10;
/** The entry of an open breakdown (nationalities) that holds, together, every value counted fewer than 5 times. */
export const OTHER = 'other';

/**
 * The disclosure rule of an audience (docs/indicators.md, "Small counts"). Internal: exact,
 * breakdowns list the values counted. Public:
 * - a count below 5, zero included, is `<5`; every other count, totals included, is rounded to
 *   the nearest multiple of 10 (halves up: 5 to 14 is 10, 15 to 24 is 20);
 * - a breakdown lists every value it could hold (every cell in scope, category, sex, age band,
 *   need code, partner…), so a `<5` does not say whether anyone is there; an open list
 *   (nationalities) shows the values counted 5 times or more and `other` for the rest together.
 * So a total less the counts beside it never gives back a suppressed count: a count shown `p`
 * lies in [p − 5, p + 4], a `<5` in [0, 4], and whatever is shown, every suppressed count of a
 * breakdown stays possible with at least two values (the proof is in the same section, and
 * `figures.unit.spec.ts` checks it on every table of up to four counts).
 * A rate or a mean is published only from counts it shows, a median or a mean only over 5
 * values or more.
 */
export interface Disclosure {
  count(n: number): Count;
  /** A breakdown: `domain`, the values it could hold (public reports list them all). */
  counts(record: Record<string, number>, domain?: readonly string[]): Record<string, Count>;
  /** The keys a breakdown of nested figures lists: those counted, and for the public every value of `domain`. */
  keys(counted: readonly string[], domain: readonly string[]): string[];
  /** numerator ÷ denominator (4 decimals), null when the denominator is 0 or either is suppressed. */
  rate(numerator: number, denominator: number): number | null;
  /** Whether a statistic of `n` values (a median, a mean) may be shown. */
  shows(n: number): boolean;
}

const roundToBase = (n: number): number => ROUNDING_BASE * Math.floor(n / ROUNDING_BASE + 0.5);
const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null);
const sorted = (keys: Iterable<string>): string[] => [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const disclosureFor = (audience: Audience): Disclosure => {
  if (audience === 'internal') {
    return { count: (n) => n, counts: (record) => record, keys: (counted) => sorted(counted), rate: ratio, shows: (n) => n > 0 };
  }
  const count = (n: number): Count => (n < SMALL_COUNT ? SUPPRESSED : roundToBase(n));
  return {
    count,
    counts: (record, domain) => {
      if (domain) return Object.fromEntries(sorted([...domain, ...Object.keys(record)]).map((key) => [key, count(record[key] ?? 0)]));
      const shown = Object.entries(record).filter(([, n]) => n >= SMALL_COUNT);
      const rest = Object.values(record).reduce((sum, n) => sum + (n < SMALL_COUNT ? n : 0), 0);
      return { ...Object.fromEntries(shown.map(([key, n]) => [key, count(n)])), [OTHER]: count(rest) };
    },
    keys: (counted, domain) => sorted([...domain, ...counted]),
    rate: (numerator, denominator) => {
      const [top, bottom] = [count(numerator), count(denominator)];
      return top === SUPPRESSED || bottom === SUPPRESSED ? null : ratio(top, bottom);
    },
    shows: (n) => n >= SMALL_COUNT,
  };
};

/** The values each breakdown of a report could hold, within its filters: what a public report lists. */
export interface Domains {
  cells: string[];
  communes: string[];
  provinces: string[];
  region: string[];
  categories: string[];
  sexes: readonly string[];
  ageBands: readonly string[];
  needs: string[];
  priorities: readonly string[];
  partners: string[];
}

export const domainsOf = (query: Pick<ReportQuery, 'cellId' | 'province' | 'category'>, referenceData: ReferenceData): Domains => {
  const cells = referenceData.cells.filter((cell) => (query.cellId === undefined || cell.id === query.cellId) && (query.province === undefined || cell.province === query.province));
  return {
    cells: cells.map((cell) => cell.id),
    communes: sorted(cells.map((cell) => cell.commune)),
    provinces: query.cellId !== undefined || query.province !== undefined ? sorted(cells.map((cell) => cell.province)) : referenceData.territory.prefecturesAndProvinces.map((province) => province.id),
    region: [referenceData.territory.region.id],
    categories: query.category !== undefined ? [query.category] : [...BeneficiaryCategories],
    sexes: Sexes,
    ageBands: AgeBands,
    needs: referenceData.needs.map((need) => need.code),
    priorities: NeedPriorities,
    partners: referenceData.partners.map((partner) => partner.id),
  };
};

/** A count in the OpenAPI document: a whole number, or `<5` in a public report. */
export const countSchema = z.union([z.int().min(0), z.literal(SUPPRESSED)]).meta({ description: 'A count; in a public report `<5` below 5, else rounded to a multiple of 10' });
export const countsSchema = (description: string, example: Record<string, number>) => z.record(z.string(), countSchema).meta({ description, example });
export const rateSchema = (description: string) => z.number().min(0).max(1).nullable().meta({ description });
