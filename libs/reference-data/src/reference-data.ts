import { readFileSync } from 'node:fs';
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

export type Territory = z.infer<typeof territorySchema>;
export type Cell = z.infer<typeof cellsSchema>['cells'][number];

export class ReferenceData {
  private readonly cellsById: ReadonlyMap<string, Cell>;

  constructor(
    readonly territory: Territory,
    readonly cells: readonly Cell[],
  ) {
    this.cellsById = new Map(cells.map((cell) => [cell.id, cell]));
  }

  cell(id: string): Cell | undefined {
    return this.cellsById.get(id);
  }

  isKnownCell(id: string): boolean {
    return this.cellsById.has(id);
  }
}

export const defaultReferenceDataDir = join(__dirname, '..', 'data');

const readJson = (dir: string, file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/**
 * Loads and cross-checks the files: every cell's commune and province must exist and agree,
 * so a typo fails at boot with the offending id rather than at the first registration.
 */
export const loadReferenceData = (dir: string = defaultReferenceDataDir): ReferenceData => {
  const territory = territorySchema.parse(readJson(dir, 'territory.json'));
  const { cells } = cellsSchema.parse(readJson(dir, 'cells.json'));
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
  for (const commune of territory.communes) {
    if (!provinces.has(commune.province)) problems.push(`commune ${commune.id}: unknown province ${commune.province}`);
  }
  if (problems.length) throw new Error(`Reference data in ${dir} is inconsistent: ${problems.join('; ')}`);
  return new ReferenceData(territory, cells);
};
