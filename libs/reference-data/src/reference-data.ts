import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Reference data: the region's territory and its reception cells. A *cell* (cellule
 * d'accueil, d'accompagnement et d'orientation) receives, guides, supports and refers
 * beneficiaries; it sits in a commune and belongs to a prefecture or province, which are
 * separate attributes (Figuig commune is in Figuig province, whose seat is Bouarfa).
 *
 * This is data, not code: administrators extend the JSON files (or point
 * REFERENCE_DATA_DIR at their own copy) without touching any logic.
 */
const localisedName = z.object({ fr: z.string().min(1), ar: z.string().min(1) });

const territorySchema = z.object({
  region: z.object({ id: z.string(), name: localisedName, seat: z.string() }),
  prefecturesAndProvinces: z.array(
    z.object({ id: z.string(), kind: z.enum(['prefecture', 'province']), name: localisedName, seat: z.string() }),
  ),
  communes: z.array(z.object({ id: z.string(), name: localisedName, province: z.string() })),
});

const cellsSchema = z.object({
  cells: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]+$/),
      level: z.enum(['communal', 'provincial']),
      name: localisedName,
      commune: z.string(),
      province: z.string(),
    }),
  ),
});

/** The catalogue of needs a cell assesses (the codes every context uses) and their names. */
const needsSchema = z.object({
  needs: z.array(z.object({ code: z.string().regex(/^[a-z0-9_]+$/), name: localisedName })).min(1),
});

/** Kinds of partner service a cell refers beneficiaries to. */
export const PartnerKinds = [
  'public_administration',
  'consulate',
  'health_facility',
  'school',
  'employment_agency',
  'investment_centre',
  'ngo',
  'legal_aid',
  'other',
] as const;
export type PartnerKind = (typeof PartnerKinds)[number];

/**
 * The partner directory as the region first publishes it: referral seeds its `partner-<id>`
 * streams from it, after which partners are kept as events.
 */
const partnersSchema = z.object({
  partners: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]+$/),
      name: z.string().min(1),
      kind: z.enum(PartnerKinds),
      /** Province and prefecture ids (territory.json) the partner serves. */
      provinces: z.array(z.string()).min(1),
      /** Need codes (needs.json) the partner covers. */
      needs: z.array(z.string()).min(1),
      /** Days within which the partner answers a referral; past them the referral is overdue. */
      responseDelayDays: z.int().min(1).max(365),
    }),
  ),
});

export type Territory = z.infer<typeof territorySchema>;
export type Cell = z.infer<typeof cellsSchema>['cells'][number];
export type Need = z.infer<typeof needsSchema>['needs'][number];
export type PartnerListing = z.infer<typeof partnersSchema>['partners'][number];

export class ReferenceData {
  private readonly cellsById: ReadonlyMap<string, Cell>;

  private readonly needCodes: ReadonlySet<string>;

  constructor(
    readonly territory: Territory,
    readonly cells: readonly Cell[],
    readonly needs: readonly Need[] = [],
    readonly partners: readonly PartnerListing[] = [],
  ) {
    this.cellsById = new Map(cells.map((cell) => [cell.id, cell]));
    this.needCodes = new Set(needs.map((need) => need.code));
  }

  isKnownNeed(code: string): boolean {
    return this.needCodes.has(code);
  }

  isKnownProvince(id: string): boolean {
    return this.territory.prefecturesAndProvinces.some((province) => province.id === id);
  }

  cell(id: string): Cell | undefined {
    return this.cellsById.get(id);
  }

  isKnownCell(id: string): boolean {
    return this.cellsById.has(id);
  }
}

export const defaultReferenceDataDir = join(__dirname, '..', 'data');

/**
 * A file of `dir`, or the bundled one when `dir` has none: a copy made before a file existed
 * (needs.json, partners.json came with the journeys) keeps working.
 */
const readJson = (dir: string, file: string): unknown =>
  JSON.parse(readFileSync(existsSync(join(dir, file)) ? join(dir, file) : join(defaultReferenceDataDir, file), 'utf8'));

/**
 * Loads and cross-checks the files: every cell's commune and province must exist and agree,
 * so a typo fails at boot with the offending id rather than at the first registration.
 */
export const loadReferenceData = (dir: string = defaultReferenceDataDir): ReferenceData => {
  const territory = territorySchema.parse(readJson(dir, 'territory.json'));
  const { cells } = cellsSchema.parse(readJson(dir, 'cells.json'));
  const { needs } = needsSchema.parse(readJson(dir, 'needs.json'));
  const { partners } = partnersSchema.parse(readJson(dir, 'partners.json'));
  const provinces = new Set(territory.prefecturesAndProvinces.map((p) => p.id));
  const communes = new Map(territory.communes.map((c) => [c.id, c]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const cell of cells) {
    if (seen.has(cell.id)) problems.push(`cell ${cell.id} is listed twice`);
    seen.add(cell.id);
    if (!provinces.has(cell.province)) problems.push(`cell ${cell.id}: unknown province ${cell.province}`);
    const commune = communes.get(cell.commune);
    if (!commune) problems.push(`cell ${cell.id}: unknown commune ${cell.commune}`);
    else if (commune.province !== cell.province) {
      problems.push(`cell ${cell.id}: commune ${cell.commune} is in ${commune.province}, not ${cell.province}`);
    }
  }
  const needCodes = new Set<string>();
  for (const need of needs) {
    if (needCodes.has(need.code)) problems.push(`need ${need.code} is listed twice`);
    needCodes.add(need.code);
  }
  const partnerIds = new Set<string>();
  for (const partner of partners) {
    if (partnerIds.has(partner.id)) problems.push(`partner ${partner.id} is listed twice`);
    partnerIds.add(partner.id);
    for (const province of partner.provinces) if (!provinces.has(province)) problems.push(`partner ${partner.id}: unknown province ${province}`);
    for (const need of partner.needs) if (!needCodes.has(need)) problems.push(`partner ${partner.id}: unknown need ${need}`);
  }
  for (const commune of territory.communes) {
    if (!provinces.has(commune.province)) problems.push(`commune ${commune.id}: unknown province ${commune.province}`);
  }
  if (problems.length) throw new Error(`Reference data in ${dir} is inconsistent: ${problems.join('; ')}`);
  return new ReferenceData(territory, cells, needs, partners);
};
