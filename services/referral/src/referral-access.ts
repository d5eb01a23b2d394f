import type { ReferenceData } from '@oriental/reference-data';
import { NotFound, Principal, Role, seesCell } from '@oriental/service-kit';

/** Who sends and revokes referrals: the staff of the cell that holds the case. */
export const CASE_STAFF = ['cell_agent', 'cell_supervisor'] as const satisfies readonly Role[];
/** Who answers a referral: the partner it is addressed to, or its cell's staff recording the partner's answer. */
export const REFERRAL_ANSWERERS = ['partner', ...CASE_STAFF] as const satisfies readonly Role[];
/** Who reads referrals: the above and the coordinators over the cell. */
export const REFERRAL_READERS = [...REFERRAL_ANSWERERS, 'provincial_coordinator', 'regional_coordinator'] as const satisfies readonly Role[];
/** Who reads what referral knows of a case: its cell's staff and coordinators (not partners). */
export const CASE_READERS = [...CASE_STAFF, 'provincial_coordinator', 'regional_coordinator'] as const satisfies readonly Role[];

/** A partner sees the referrals addressed to it; everyone else those of the cells they see. */
export const seesReferral = (principal: Principal, referral: { cellId?: string; partnerId?: string }, referenceData: ReferenceData): boolean =>
  principal.role === 'partner' ? referral.partnerId !== undefined && referral.partnerId === principal.partnerId : seesCell(principal, referral.cellId, referenceData);

/** 404 for a referral the caller may not see: whether it exists is not theirs to learn. */
export const referralNotFound = (referralId: string): NotFound => new NotFound('Referral', referralId, 'REFERRAL_NOT_FOUND');
