import type { ReferenceData } from '@oriental/reference-data';
import { FieldError, Forbidden, Principal, RequestValidationError, Role } from '@oriental/service-kit';

/**
 * The hub is a client scoped by role: the regional coordinator sees the whole network, a
 * provincial coordinator their province's cells (whatever they ask), an auditor may read all.
 */
export const HUB_READERS = ['regional_coordinator', 'provincial_coordinator', 'auditor'] as const satisfies readonly Role[];

/** Which part of the network a hub call covers: a cell, a province, or (neither) all of it. */
export interface HubScope {
  cellId?: string;
  province?: string;
}

const FILTERS = new Set(['cellId', 'province']);

/**
 * The scope of a hub call from its query (`cellId`, `province`, checked against reference data:
 * 400 otherwise, and for any other parameter) and the caller: a provincial coordinator is held to
 * their province (403 PROVINCE_NOT_YOURS or CELL_NOT_YOURS when they ask for another's).
 */
export const hubScopeOf = (query: Record<string, unknown>, caller: Principal, referenceData: ReferenceData): HubScope => {
  const errors: FieldError[] = Object.keys(query)
    .filter((name) => !FILTERS.has(name))
    .map((field) => ({ field, message: 'should not exist' }));
  const { cellId, province } = query;
  const cell = typeof cellId === 'string' ? referenceData.cell(cellId) : undefined;
  if (cellId !== undefined && !cell) errors.push({ field: 'cellId', message: 'must be a known cell id, such as "oujda"' });
  if (province !== undefined && !(typeof province === 'string' && referenceData.isKnownProvince(province))) {
    errors.push({ field: 'province', message: 'must be a known province or prefecture id, such as "oujda-angad"' });
  }
  if (cell && typeof province === 'string' && errors.length === 0 && cell.province !== province) {
    errors.push({ field: 'cellId', message: `is in ${cell.province}, not in ${province}` });
  }
  if (errors.length > 0) throw new RequestValidationError(errors);

  const scope: HubScope = { ...(cell ? { cellId: cell.id } : {}), ...(typeof province === 'string' ? { province } : {}) };
  if (caller.role !== 'provincial_coordinator') return scope;
  if (scope.province !== undefined && scope.province !== caller.province) throw new Forbidden('PROVINCE_NOT_YOURS', `You see the cells of ${caller.province}, not of ${scope.province}`);
  if (cell && cell.province !== caller.province) throw new Forbidden('CELL_NOT_YOURS', `Cell ${cell.id} is in ${cell.province}, not in your province (${caller.province})`);
  return { ...scope, province: caller.province! };
};

/** Whether a cell and province fall in the scope. */
export const inScope = (scope: HubScope, at: { cellId?: string; province?: string }): boolean =>
  (scope.cellId === undefined || at.cellId === scope.cellId) && (scope.province === undefined || at.province === scope.province);
