import { applyDecorators } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { BeneficiaryCategories, BeneficiaryCategory } from '@oriental/contracts';
import type { ReferenceData } from '@oriental/reference-data';
import { ApiProblemResponse, FieldError, Forbidden, Principal, RequestValidationError, Role } from '@oriental/service-kit';
import type { Request } from 'express';
import { z } from 'zod';
import type { Period } from './dated-counts';

/** Who reads reports (docs/architecture.md, "Who sees what"): a provincial coordinator their province's figures only. */
export const REPORT_READERS = ['auditor', 'regional_coordinator', 'provincial_coordinator'] as const satisfies readonly Role[];

/**
 * Who a report is for. `internal`: the network's own staff, exact counts. `public`: partners and
 * the public, under small-count protection (docs/indicators.md): people who consented to
 * statistics only, counts below 5 shown as `<5`, the others rounded to a multiple of 10; every value of a breakdown listed.
 */
const Audiences = ['internal', 'public'] as const;
export type Audience = (typeof Audiences)[number];
export const Formats = ['json', 'csv'] as const;
export type Format = (typeof Formats)[number];

/** What a report request asks for, checked, and narrowed to what the caller may see. */
export interface ReportQuery {
  period: Period;
  cellId?: string;
  province?: string;
  category?: BeneficiaryCategory;
  audience: Audience;
  format: Format;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (value: unknown): value is string => typeof value === 'string' && ISO_DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;

/**
 * A report request's query: `from`/`to` (days, UTC, both included), `cellId`, `province`,
 * `category` (when the indicator has one), `audience`, `format` (else the `Accept` header). 400
 * VALIDATION_FAILED for anything else or anything malformed, unknown or contradictory; a
 * provincial coordinator is held to their province (403 PROVINCE_NOT_YOURS, CELL_NOT_YOURS when
 * they name another), and given it when they name none.
 */
export const reportQueryOf = (
  query: Record<string, unknown>,
  request: Pick<Request, 'accepts'>,
  caller: Principal,
  referenceData: ReferenceData,
  { categories = true }: { categories?: boolean } = {},
): ReportQuery => {
  const allowed = new Set(['from', 'to', 'cellId', 'province', 'format', 'audience', ...(categories ? ['category'] : [])]);
  const errors: FieldError[] = Object.keys(query)
    .filter((name) => !allowed.has(name))
    .map((field) => ({ field, message: field === 'category' ? 'is not a filter of this indicator' : 'should not exist' }));
  const { from, to, cellId, province, category, format, audience } = query;
  if (from !== undefined && !isDay(from)) errors.push({ field: 'from', message: 'must be a day, YYYY-MM-DD' });
  if (to !== undefined && !isDay(to)) errors.push({ field: 'to', message: 'must be a day, YYYY-MM-DD' });
  if (isDay(from) && isDay(to) && from > to) errors.push({ field: 'to', message: 'must not be before from' });
  const cell = typeof cellId === 'string' ? referenceData.cell(cellId) : undefined;
  if (cellId !== undefined && !cell) errors.push({ field: 'cellId', message: 'must be a known cell id, such as "oujda"' });
  const provinceKnown = typeof province === 'string' && referenceData.isKnownProvince(province);
  if (province !== undefined && !provinceKnown) errors.push({ field: 'province', message: 'must be a known province or prefecture id, such as "oujda-angad"' });
  if (cell && provinceKnown && cell.province !== province) errors.push({ field: 'cellId', message: `is in ${cell.province}, not in ${String(province)}` });
  if (categories && category !== undefined && !(BeneficiaryCategories as readonly unknown[]).includes(category)) errors.push({ field: 'category', message: `must be one of: ${BeneficiaryCategories.join(', ')}` });
  if (format !== undefined && !(Formats as readonly unknown[]).includes(format)) errors.push({ field: 'format', message: `must be one of: ${Formats.join(', ')}` });
  if (audience !== undefined && !(Audiences as readonly unknown[]).includes(audience)) errors.push({ field: 'audience', message: `must be one of: ${Audiences.join(', ')}` });
  if (errors.length > 0) throw new RequestValidationError(errors);

  let scope: Pick<ReportQuery, 'cellId' | 'province'> = { ...(cell ? { cellId: cell.id } : {}), ...(provinceKnown ? { province: province as string } : {}) };
  if (caller.role === 'provincial_coordinator') {
    if (scope.province !== undefined && scope.province !== caller.province) throw new Forbidden('PROVINCE_NOT_YOURS', `You see the figures of ${caller.province}, not of ${scope.province}`);
    if (cell && cell.province !== caller.province) throw new Forbidden('CELL_NOT_YOURS', `Cell ${cell.id} is in ${cell.province}, not in your province (${caller.province})`);
    scope = { ...scope, province: caller.province! };
  }
  return {
    period: { ...(from !== undefined ? { from: from as string } : {}), ...(to !== undefined ? { to: to as string } : {}) },
    ...scope,
    ...(category !== undefined ? { category: category as BeneficiaryCategory } : {}),
    audience: (audience as Audience | undefined) ?? 'internal',
    // `format` wins; else what the client prefers of JSON (the default) and CSV.
    format: (format as Format | undefined) ?? (request.accepts(['application/json', 'text/csv']) === 'text/csv' ? 'csv' : 'json'),
  };
};

/** What every report answers beside its figures: the request as it was understood (a provincial coordinator's province filled in). */
export const reportRequestSchema = z.object({
  from: z.string().nullable().meta({ description: 'First day counted (UTC), null: since the beginning', example: '2026-01-01' }),
  to: z.string().nullable().meta({ description: 'Last day counted (UTC), null: up to now', example: '2026-12-31' }),
  cellId: z.string().nullable().meta({ example: 'oujda' }),
  province: z.string().nullable().meta({ description: "The province filter (a provincial coordinator's own, whether named or not)", example: 'oujda-angad' }),
  category: z.enum(BeneficiaryCategories).nullable(),
  audience: z.enum(Audiences),
});
type ReportRequest = z.output<typeof reportRequestSchema>;

export const reportRequestOf = (query: ReportQuery): ReportRequest => ({
  from: query.period.from ?? null,
  to: query.period.to ?? null,
  cellId: query.cellId ?? null,
  province: query.province ?? null,
  category: query.category ?? null,
  audience: query.audience,
});

const CSV_EXAMPLE = 'figure,value\r\nrequest.audience,internal\r\nbeneficiaries.total,12\r\nbeneficiaries.byCell.oujda,7\r\n';

/**
 * The OpenAPI description of a report route: its query, the JSON answer (from the zod schema the
 * handler's type comes from) and the same figures as CSV, and its refusals.
 */
export const ApiReport = (answer: z.ZodType, { categories = true, description }: { categories?: boolean; description: string }): MethodDecorator =>
  applyDecorators(
    ApiQuery({ name: 'from', required: false, schema: { type: 'string', format: 'date' }, description: 'First day counted (UTC, included)' }),
    ApiQuery({ name: 'to', required: false, schema: { type: 'string', format: 'date' }, description: 'Last day counted (UTC, included); not before from' }),
    ApiQuery({ name: 'cellId', required: false, schema: { type: 'string', pattern: '^[a-z0-9-]+$' }, description: 'Only this cell (reference data)' }),
    ApiQuery({ name: 'province', required: false, schema: { type: 'string', pattern: '^[a-z0-9-]+$' }, description: "Only this province or prefecture's cells; a provincial coordinator's own is implied" }),
    ...(categories ? [ApiQuery({ name: 'category', required: false, enum: [...BeneficiaryCategories], description: 'Only beneficiaries of this category' })] : []),
    ApiQuery({ name: 'audience', required: false, enum: [...Audiences], description: 'public: small-count protection (counts below 5 as "<5", others rounded to a multiple of 10, every value of a breakdown listed, consenting people only)' }),
    ApiQuery({ name: 'format', required: false, enum: [...Formats], description: 'csv: the same figures as CSV; else the Accept header decides (text/csv or JSON, the default)' }),
    ApiProduces('application/json', 'text/csv'),
    ApiResponse({
      status: 200,
      description,
      content: {
        'application/json': { schema: z.toJSONSchema(answer, { target: 'openapi-3.0', io: 'output' }) as object },
        'text/csv': {
          schema: { type: 'string', description: 'RFC 4180, CRLF line ends: a header `figure,value`, then one row per figure of the JSON answer, its path dotted' },
          example: CSV_EXAMPLE,
        },
      },
    }),
    ApiProblemResponse(400, 'VALIDATION_FAILED: an unknown parameter, a day not YYYY-MM-DD, to before from, an unknown cell, province or category, a cell outside the province named'),
    ApiProblemResponse(403, 'ROLE_NOT_ALLOWED; PROVINCE_NOT_YOURS or CELL_NOT_YOURS: a provincial coordinator naming another province or its cell'),
  );
