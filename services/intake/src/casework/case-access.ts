import type { Beneficiary } from '@oriental/intake-domain';
import type { ReferenceData } from '@oriental/reference-data';
import { Forbidden, NotFound, Principal, Role, seesCell } from '@oriental/service-kit';

/** Who works on cases: the staff of the cell that holds them. */
export const CASE_STAFF = ['cell_agent', 'cell_supervisor'] as const satisfies readonly Role[];
/** Who may open a case, personal data included: its cell's staff and the coordinators above it. */
export const CASE_READERS = [...CASE_STAFF, 'provincial_coordinator', 'regional_coordinator'] as const satisfies readonly Role[];

/**
 * Whether the caller sees this case: its current cell's staff, its province's coordinator, the
 * region. The staff of the cell a transfer is pending to see it too, so they can accept or
 * decline it, when `forTransferAnswer`.
 */
export const seesCase = (principal: Principal, state: Beneficiary, referenceData: ReferenceData, forTransferAnswer = false): boolean => {
  if (state.status === 'unknown') return false;
  if (seesCell(principal, state.cellId, referenceData)) return true;
  return forTransferAnswer && seesCell(principal, state.pendingTransfer?.toCellId, referenceData);
};

/** 404 for a case the caller may not see: whether it exists is not theirs to learn. */
export const caseNotFound = (beneficiaryId: string): NotFound => new NotFound('Beneficiary', beneficiaryId, 'BENEFICIARY_NOT_FOUND');

/**
 * A pending transfer is answered by the cell it goes to, not by the cell that asked for it (which
 * sees the case, but may not accept on the other's behalf). Without a pending transfer the
 * decider answers (NO_PENDING_TRANSFER) to whoever sees the case.
 */
export const assertAnswersTransfer = (principal: Principal, state: Beneficiary, referenceData: ReferenceData): void => {
  const pending = state.status === 'unknown' ? null : state.pendingTransfer;
  if (pending && !seesCell(principal, pending.toCellId, referenceData)) {
    throw new Forbidden('CELL_NOT_YOURS', `Only cell ${pending.toCellId}, where the case is going, answers this transfer`);
  }
};
